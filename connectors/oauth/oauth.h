// OAuth 2.0 for installed apps, provider-neutral (RFC 6749; PKCE RFC 7636; Device Authorization
// Grant RFC 8628): token endpoint calls, the refresh-token file (0600), PKCE, the authorization
// URL and the device flow. Endpoint URLs and scopes are parameters: Google's live in
// connectors/gmail/google_oauth.h. AccessTokens is used by one thread (the sync's).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/error_kind.h"

namespace prospectd::connectors::oauth {

// The installed-app client (from the provider's console) and where its tokens come from.
struct OAuthClient {
  std::string client_id;
  std::string client_secret;  // empty for a public client: then it is not sent
  std::string token_uri;
  std::string account_name;  // for the "run `prospectd auth NAME` again" advice
  std::string ca_file;       // tests only; empty: the system's trust store
  std::string provider;      // for messages ("Google"); empty: "the sign-in server"
};

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;  // from the code exchange, the device flow, or a rotating refresh
  std::chrono::seconds expires_in{3600};
};

// grant_type=refresh_token. invalid_grant (revoked or expired sign-in) is an `auth` error
// whose message says to run `prospectd auth ACCOUNT` again; network and 5xx are `transient`.
std::expected<TokenResponse, core::SourceError> refresh_access_token(const OAuthClient& client,
                                                                     const std::string& refresh_token);

// grant_type=authorization_code with the PKCE verifier (RFC 7636 §4.5).
std::expected<TokenResponse, core::SourceError> exchange_code(const OAuthClient& client, const std::string& code,
                                                              const std::string& code_verifier,
                                                              const std::string& redirect_uri);

// The token file: {"refresh_token": "..."}. A missing file, one without a token, one that is
// not JSON, or one whose mode is wider than 0600 is an `auth` error that says to run
// `prospectd auth ACCOUNT`.
std::expected<std::string, core::SourceError> read_refresh_token(const std::filesystem::path& file,
                                                                 const std::string& account_name);
// Writes the file atomically (temporary file + rename), mode 0600 from creation on.
std::expected<void, std::string> write_refresh_token(const std::filesystem::path& file,
                                                     const std::string& refresh_token);

struct Pkce {
  std::string verifier;   // 64 characters of [A-Za-z0-9-._~]
  std::string challenge;  // BASE64URL(SHA256(verifier)), method S256
};
Pkce make_pkce();
// 32 random URL-safe characters, for `state`.
std::string random_token();
// BASE64URL(SHA256(text)) without padding.
std::string s256_challenge(const std::string& verifier);

// endpoint?response_type=code&client_id&redirect_uri&scope&code_challenge(S256)&state, then
// `extra_query` (provider-specific parameters, without a leading '&') when not empty.
std::string authorization_url(const std::string& endpoint, const std::string& client_id,
                              const std::string& redirect_uri, const Pkce& pkce, const std::string& state,
                              const std::string& scopes, const std::string& extra_query = {});

std::string url_encode(std::string_view text);

// --- Device Authorization Grant (RFC 8628) ---

// The device authorization response (RFC 8628 §3.2).
struct DeviceAuthorization {
  std::string device_code;
  std::string user_code;
  std::string verification_uri;           // Microsoft spells it verification_url
  std::string verification_uri_complete;  // optional: empty when not sent
  std::chrono::seconds expires_in{0};
  std::chrono::seconds interval{5};  // default 5 s when not sent (§3.2)
};

// POSTs client_id and scope to the device authorization endpoint (RFC 8628 §3.1).
std::expected<DeviceAuthorization, core::SourceError> request_device_code(const OAuthClient& client,
                                                                          const std::string& device_endpoint,
                                                                          const std::string& scopes);

using SleepFunction = std::function<void(std::chrono::seconds)>;

// Polls the token endpoint with the device_code grant (RFC 8628 §3.4) every `interval` until
// the user signs in, and classifies the answers (§3.5). `sleep` waits before each poll (null:
// really sleep, waking early when `cancel` is set); `cancel` (may be null) stops the wait with
// a transient "stopped" error. Time is counted in the intervals slept, so a test's sleep
// function needs no clock.
std::expected<TokenResponse, core::SourceError> poll_device_token(
    const OAuthClient& client, const std::string& device_code, std::chrono::seconds interval,
    std::chrono::seconds expires_in, const SleepFunction& sleep = {}, const std::atomic<bool>* cancel = nullptr);

// Hands the connector a current access token, refreshing it before it expires (a minute, or a
// quarter of a short lifetime, ahead) or when the server rejected it.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual std::expected<std::string, core::SourceError> token(bool force_refresh) = 0;
  // When the current token will be refreshed (before it expires); nullopt when unknown.
  virtual std::optional<std::chrono::steady_clock::time_point> valid_until() const { return std::nullopt; }
};

class AccessTokens final : public TokenSource {
 public:
  // With a token_file, a refresh answer that carries a new refresh_token (rotation, RFC 6749
  // §6) is written there atomically, 0600; without one it is only kept in memory.
  AccessTokens(OAuthClient client, std::string refresh_token, std::filesystem::path token_file = {})
      : client_(std::move(client)), refresh_token_(std::move(refresh_token)), token_file_(std::move(token_file)) {}
  std::expected<std::string, core::SourceError> token(bool force_refresh) override;
  std::optional<std::chrono::steady_clock::time_point> valid_until() const override;
  std::uint64_t refreshes() const { return refreshes_; }
  const std::string& refresh_token() const { return refresh_token_; }

 private:
  OAuthClient client_;
  std::string refresh_token_;
  std::filesystem::path token_file_;
  std::string access_token_;
  std::chrono::steady_clock::time_point refresh_at_{};  // a little before it expires
  std::uint64_t refreshes_ = 0;
};

}  // namespace prospectd::connectors::oauth
