// An IMAP command/response session over an authenticated Transport: tags commands, pipelines
// them (sends are buffered until the next wait), and routes responses. Not thread-safe.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "connectors/imap/response_parser.h"
#include "connectors/imap/transport.h"
#include "connectors/message_source.h"

namespace prospectd::connectors::imap {

using UntaggedHandler = std::function<void(Response&)>;

class Session {
 public:
  explicit Session(Transport& transport, std::chrono::milliseconds read_timeout = std::chrono::seconds(120));

  // Queues "<tag> <command>\r\n" and returns the tag; nothing is sent until a wait.
  std::string queue(std::string_view command);

  // Sends what is queued, then reads until the tagged response for `tag` arrives; untagged
  // responses on the way go to `on_untagged`. A NO or BAD completion is returned, not an error:
  // the caller decides. Network failures, BYE and unparseable bytes are transient errors.
  std::expected<Response, core::SourceError> wait_for(const std::string& tag, const UntaggedHandler& on_untagged);

  // queue + wait_for, with NO/BAD turned into an error of `kind_on_failure`.
  std::expected<Response, core::SourceError> run(std::string_view command, const UntaggedHandler& on_untagged,
                                                 core::ErrorKind kind_on_failure = core::ErrorKind::fatal);

  // Sends LOGOUT without waiting for the reply (the connection is dropped next).
  void logout();

  // Sends what is queued, then hands every response (untagged, continuation, tagged) to
  // `on_response` until it returns true, or until `timeout` passes (then false).
  std::expected<bool, core::SourceError> read_until(const std::function<bool(Response&)>& on_response,
                                                    std::chrono::milliseconds timeout);

  // Sends a raw line (e.g. "DONE" ending IDLE, RFC 2177 §3) with CRLF, untagged.
  void queue_raw(std::string_view line);

  // Times the session switched from sending to waiting: the round trips it cost.
  std::uint64_t round_trips() const { return round_trips_; }

 private:
  std::expected<void, core::SourceError> flush();

  Transport& transport_;
  std::chrono::milliseconds read_timeout_;
  ResponseParser parser_;
  std::string outgoing_;
  std::uint64_t next_tag_ = 1;
  std::uint64_t round_trips_ = 0;
  std::map<std::string, Response> early_completions_;  // tagged responses for later waits
};

}  // namespace prospectd::connectors::imap
