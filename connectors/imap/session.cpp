// Tagged command pipelining (RFC 3501 §2.2.1, §5.5): the client may send several commands
// before completions arrive; responses are matched by tag, untagged data handed to the waiter.
#include "connectors/imap/session.h"

#include <array>

namespace prospectd::connectors::imap {

Session::Session(Transport& transport, std::chrono::milliseconds read_timeout)
    : transport_(transport), read_timeout_(read_timeout) {}

std::string Session::queue(std::string_view command) {
  std::string tag = "p" + std::to_string(next_tag_++);
  outgoing_ += tag;
  outgoing_ += ' ';
  outgoing_ += command;
  outgoing_ += "\r\n";
  return tag;
}

std::expected<void, core::SourceError> Session::flush() {
  if (outgoing_.empty()) return {};
  ++round_trips_;
  auto sent = transport_.send_all(outgoing_);
  outgoing_.clear();
  return sent;
}

std::expected<Response, core::SourceError> Session::wait_for(const std::string& tag,
                                                             const UntaggedHandler& on_untagged) {
  if (auto flushed = flush(); !flushed) return std::unexpected(flushed.error());
  if (auto early = early_completions_.find(tag); early != early_completions_.end()) {
    Response response = std::move(early->second);
    early_completions_.erase(early);
    return response;
  }
  std::array<char, 64 * 1024> buffer;
  for (;;) {
    try {
      while (auto response = parser_.next()) {
        if (response->kind == ResponseKind::tagged) {
          if (response->tag == tag) return std::move(*response);
          early_completions_.emplace(response->tag, std::move(*response));
          continue;
        }
        if (response->kind == ResponseKind::untagged && response->status == "BYE") {
          return std::unexpected(
              core::SourceError{core::ErrorKind::transient, "the server closed the session: " + response->text});
        }
        if (response->kind == ResponseKind::untagged && on_untagged) on_untagged(*response);
      }
    } catch (const ProtocolError& error) {
      return std::unexpected(
          core::SourceError{core::ErrorKind::transient, std::string("unreadable IMAP response: ") + error.what()});
    }
    auto received = transport_.receive(buffer.data(), buffer.size(), read_timeout_);
    if (!received) return std::unexpected(received.error());
    if (*received == 0) {
      return std::unexpected(core::SourceError{
          core::ErrorKind::transient,
          "the server stopped answering (no reply in " + std::to_string(read_timeout_.count() / 1000) + " s)"});
    }
    parser_.feed(std::string_view(buffer.data(), *received));
  }
}

std::expected<bool, core::SourceError> Session::read_until(const std::function<bool(Response&)>& on_response,
                                                           std::chrono::milliseconds timeout) {
  if (auto flushed = flush(); !flushed) return std::unexpected(flushed.error());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<char, 16 * 1024> buffer;
  for (;;) {
    try {
      while (auto response = parser_.next()) {
        if (response->kind == ResponseKind::untagged && response->status == "BYE") {
          return std::unexpected(
              core::SourceError{core::ErrorKind::transient, "the server closed the session: " + response->text});
        }
        if (on_response(*response)) return true;
      }
    } catch (const ProtocolError& error) {
      return std::unexpected(
          core::SourceError{core::ErrorKind::transient, std::string("unreadable IMAP response: ") + error.what()});
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto received = transport_.receive(buffer.data(), buffer.size(), left);
    if (!received) return std::unexpected(received.error());
    parser_.feed(std::string_view(buffer.data(), *received));
  }
}

void Session::queue_raw(std::string_view line) {
  outgoing_ += line;
  outgoing_ += "\r\n";
}

std::expected<Response, core::SourceError> Session::run(std::string_view command, const UntaggedHandler& on_untagged,
                                                        core::ErrorKind kind_on_failure) {
  const std::string tag = queue(command);
  auto response = wait_for(tag, on_untagged);
  if (!response) return response;
  if (response->status != "OK") {
    const std::string verb(command.substr(0, command.find(' ')));
    return std::unexpected(core::SourceError{
        kind_on_failure, "the server answered " + verb + " with " + response->status + ": " + response->text});
  }
  return response;
}

void Session::logout() {
  queue("LOGOUT");
  (void)flush();
}

}  // namespace prospectd::connectors::imap
