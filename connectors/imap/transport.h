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
  virtual std::expected<void, SourceError> send_all(std::string_view bytes) = 0;
  // Receives up to `capacity` bytes, waiting at most `timeout` for the first; returns the
  // count (> 0). A closed connection or a timeout is a transient error.
  virtual std::expected<std::size_t, SourceError> receive(char* buffer, std::size_t capacity,
                                                           std::chrono::milliseconds timeout) = 0;
};

}  // namespace prospectd::connectors::imap
