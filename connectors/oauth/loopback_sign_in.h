// The loopback half of the installed-app sign-in (RFC 8252 §7.3): a one-shot HTTP listener
// on 127.0.0.1 that receives the authorization code. Owns one listener thread.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <string>

namespace prospectd::connectors::oauth {

class LoopbackReceiver {
 public:
  // Listens on 127.0.0.1 on a free port for a redirect carrying `state`.
  static std::expected<std::unique_ptr<LoopbackReceiver>, std::string> start(std::string state);
  virtual ~LoopbackReceiver() = default;

  // "http://127.0.0.1:PORT" — the redirect_uri to send to the provider.
  virtual std::string redirect_uri() const = 0;
  // Waits for the browser's redirect; returns the code, or the provider's error ("access_denied"),
  // or a timeout. Requests with another state are refused and ignored.
  virtual std::expected<std::string, std::string> wait_for_code(std::chrono::seconds timeout) = 0;
};

}  // namespace prospectd::connectors::oauth
