// A byte stream to an IMAP server after login: the session engine's only view of the network.
// CurlTransport is the real one; tests hand the session fakes. Not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <string_view>

#include "connectors/message_source.h"

namespace prospectd::connectors::imap {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends every byte, or fails.
  virtual std::expected<void, core::SourceError> send_all(std::string_view bytes) = 0;
  // Receives up to `capacity` bytes, waiting at most `timeout` for the first; returns the
  // count, or 0 if nothing arrived in time. A closed connection is a transient error, and so is
  // a cancellation (the daemon is stopping).
  virtual std::expected<std::size_t, core::SourceError> receive(char* buffer, std::size_t capacity,
                                                                std::chrono::milliseconds timeout) = 0;
};

}  // namespace prospectd::connectors::imap
