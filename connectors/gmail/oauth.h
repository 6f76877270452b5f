// OAuth 2.0 for Google (RFC 6749, PKCE RFC 7636): token endpoint calls, the refresh-token file
// (0600), PKCE and the authorization URL. AccessTokens is used by one thread (the sync's).
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>

#include "connectors/message_source.h"

namespace prospectd::connectors::gmail {

// The installed-app client (from Google Cloud console) and where its tokens come from.
struct OAuthClient {
  std::string client_id;
  std::string client_secret;
  std::string token_uri = "https://oauth2.googleapis.com/token";
  std::string account_name;  // for the "run `prospectd auth NAME` again" advice
  std::string ca_file;       // tests only; empty: the system's trust store
};

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;  // only from the authorization-code exchange
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

// The token file: {"refresh_token": "..."}. A missing file or one without a token is an
// `auth` error that says to run `prospectd auth ACCOUNT`.
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

// Google's authorization endpoint for installed apps.
inline constexpr const char* kAuthorizationEndpoint = "https://accounts.google.com/o/oauth2/v2/auth";
// Metadata (headers, labels, history; no bodies) and sendAs aliases.
inline constexpr const char* kScopes =
    "https://www.googleapis.com/auth/gmail.metadata "
    "https://www.googleapis.com/auth/gmail.settings.basic";

std::string authorization_url(const std::string& endpoint, const std::string& client_id,
                              const std::string& redirect_uri, const Pkce& pkce, const std::string& state);

std::string url_encode(std::string_view text);

// Hands the API client a current access token, refreshing it a minute before it expires or
// when the server rejected it (401).
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual std::expected<std::string, core::SourceError> token(bool force_refresh) = 0;
};

class AccessTokens final : public TokenSource {
 public:
  AccessTokens(OAuthClient client, std::string refresh_token)
      : client_(std::move(client)), refresh_token_(std::move(refresh_token)) {}
  std::expected<std::string, core::SourceError> token(bool force_refresh) override;
  std::uint64_t refreshes() const { return refreshes_; }

 private:
  OAuthClient client_;
  std::string refresh_token_;
  std::string access_token_;
  std::chrono::steady_clock::time_point expires_at_{};
  std::uint64_t refreshes_ = 0;
};

}  // namespace prospectd::connectors::gmail
