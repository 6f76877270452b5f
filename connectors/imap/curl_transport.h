// The real transport: libcurl connects (TCP, TLS or STARTTLS, proxy) and logs in with
// CURLOPT_CONNECT_ONLY, then hands the socket to our engine (ARCHITECTURE.md "Performance and robustness decisions").
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "connectors/imap/transport.h"

namespace prospectd::connectors::imap {

enum class StartTls { automatic, required, off };

struct ConnectOptions {
  std::string url;  // imap://host[:port] or imaps://host[:port]
  std::string username;
  std::string password;       // LOGIN / AUTHENTICATE PLAIN
  std::string oauth2_bearer;  // XOAUTH2 instead of a password, when set
  std::string ca_file;        // extra trust anchor for a self-signed server
  StartTls starttls = StartTls::automatic;
  std::chrono::seconds connect_timeout{30};
  // When set and true, connecting and waiting stop within a fraction of a second (shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

class CurlTransport final : public Transport {
 public:
  // Connects and logs in. Errors are classified: a refused login is `auth`, an untrusted
  // certificate or a malformed URL is `fatal`, an unreachable server is `transient`.
  static std::expected<std::unique_ptr<CurlTransport>, core::SourceError> connect(const ConnectOptions& options);
  ~CurlTransport() override;

  std::expected<void, core::SourceError> send_all(std::string_view bytes) override;
  std::expected<std::size_t, core::SourceError> receive(char* buffer, std::size_t capacity,
                                                        std::chrono::milliseconds timeout) override;

 private:
  struct Handle;
  explicit CurlTransport(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

}  // namespace prospectd::connectors::imap
