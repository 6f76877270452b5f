// OAuth 2.0 for Google: token endpoint calls through libcurl, the 0600 refresh-token file,
// PKCE (S256) and the authorization URL.
#include "connectors/gmail/oauth.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace prospectd::connectors::gmail {
namespace {

constexpr std::string_view kUnreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

std::string random_string(std::size_t length, std::string_view alphabet) {
  std::random_device device;  // /dev/urandom (or RDRAND) on Linux
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(device)]);
  return out;
}

std::string base64url(const unsigned char* data, std::size_t size) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < size; i += 3) {
    const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == size) {
    const unsigned v = data[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == size) {
    const unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string rerun_advice(const OAuthClient& client) {
  return "run `prospectd auth " + (client.account_name.empty() ? "ACCOUNT" : client.account_name) + "` again";
}

// POSTs a form to the token endpoint and classifies the answer once.
std::expected<TokenResponse, core::SourceError> post_token_request(const OAuthClient& client, const std::string& form) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return std::unexpected(core::SourceError{core::ErrorKind::transient, "curl_easy_init failed"});
  std::string body;
  curl_easy_setopt(curl.get(), CURLOPT_URL, client.token_uri.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (!client.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, client.ca_file.c_str());
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::transient, std::string("token endpoint: ") + curl_easy_strerror(code)});
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (status == 200 && json.is_object() && json.contains("access_token") && json["access_token"].is_string()) {
    TokenResponse response;
    response.access_token = json["access_token"].get<std::string>();
    if (json.contains("refresh_token") && json["refresh_token"].is_string()) {
      response.refresh_token = json["refresh_token"].get<std::string>();
    }
    if (json.contains("expires_in") && json["expires_in"].is_number_integer()) {
      response.expires_in = std::chrono::seconds(json["expires_in"].get<std::int64_t>());
    }
    return response;
  }
  std::string error;
  std::string description;
  if (json.is_object()) {
    if (json.contains("error") && json["error"].is_string()) error = json["error"].get<std::string>();
    if (json.contains("error_description") && json["error_description"].is_string()) {
      description = json["error_description"].get<std::string>();
    }
  }
  const std::string detail =
      error.empty() ? "HTTP " + std::to_string(status) : error + (description.empty() ? "" : ": " + description);
  if (status == 429 || status >= 500 || (status == 200 && error.empty())) {
    return std::unexpected(core::SourceError{core::ErrorKind::transient, "token endpoint: " + detail});
  }
  if (error == "invalid_grant") {
    return std::unexpected(core::SourceError{core::ErrorKind::auth, "Google no longer accepts the stored sign-in (" +
                                                                        detail + "); " + rerun_advice(client)});
  }
  if (error == "invalid_client" || error == "unauthorized_client") {
    return std::unexpected(
        core::SourceError{core::ErrorKind::auth, "Google rejected client_id/client_secret (" + detail + ")"});
  }
  return std::unexpected(core::SourceError{core::ErrorKind::auth, "token endpoint refused: " + detail});
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (kUnreserved.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

std::expected<TokenResponse, core::SourceError> refresh_access_token(const OAuthClient& client,
                                                                     const std::string& refresh_token) {
  return post_token_request(client, "grant_type=refresh_token&refresh_token=" + url_encode(refresh_token) +
                                        "&client_id=" + url_encode(client.client_id) +
                                        "&client_secret=" + url_encode(client.client_secret));
}

std::expected<TokenResponse, core::SourceError> exchange_code(const OAuthClient& client, const std::string& code,
                                                              const std::string& code_verifier,
                                                              const std::string& redirect_uri) {
  return post_token_request(
      client, "grant_type=authorization_code&code=" + url_encode(code) + "&code_verifier=" + url_encode(code_verifier) +
                  "&redirect_uri=" + url_encode(redirect_uri) + "&client_id=" + url_encode(client.client_id) +
                  "&client_secret=" + url_encode(client.client_secret));
}

std::expected<std::string, core::SourceError> read_refresh_token(const std::filesystem::path& file,
                                                                 const std::string& account_name) {
  const std::string advice = "run `prospectd auth " + account_name + "` to sign in";
  std::ifstream in(file);
  if (!in) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::auth, "no Gmail sign-in stored at " + file.string() + "; " + advice});
  }
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (!json.is_object() || !json.contains("refresh_token") || !json["refresh_token"].is_string() ||
      json["refresh_token"].get<std::string>().empty()) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::auth, file.string() + " holds no refresh_token; " + advice});
  }
  return json["refresh_token"].get<std::string>();
}

std::expected<void, std::string> write_refresh_token(const std::filesystem::path& file,
                                                     const std::string& refresh_token) {
  std::error_code error;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  const std::filesystem::path temporary = file.string() + ".tmp";
  std::filesystem::remove(temporary, error);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot create " + temporary.string());
  const std::string text = nlohmann::json{{"refresh_token", refresh_token}}.dump() + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), file.c_str()) != 0) {
    std::filesystem::remove(temporary, error);
    return std::unexpected("cannot write " + file.string());
  }
  return {};
}

std::string s256_challenge(const std::string& verifier) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest.data());
  return base64url(digest.data(), digest.size());
}

Pkce make_pkce() {
  Pkce pkce;
  pkce.verifier = random_string(64, kUnreserved);
  pkce.challenge = s256_challenge(pkce.verifier);
  return pkce;
}

std::string random_token() {
  return random_string(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

std::string authorization_url(const std::string& endpoint, const std::string& client_id,
                              const std::string& redirect_uri, const Pkce& pkce, const std::string& state) {
  return endpoint + "?response_type=code&client_id=" + url_encode(client_id) +
         "&redirect_uri=" + url_encode(redirect_uri) + "&scope=" + url_encode(kScopes) +
         "&code_challenge=" + pkce.challenge + "&code_challenge_method=S256&state=" + state +
         "&access_type=offline&prompt=consent";
}

std::expected<std::string, core::SourceError> AccessTokens::token(bool force_refresh) {
  const auto now = std::chrono::steady_clock::now();
  if (!force_refresh && !access_token_.empty() && now + std::chrono::seconds(60) < expires_at_) {
    return access_token_;
  }
  auto refreshed = refresh_access_token(client_, refresh_token_);
  if (!refreshed) return std::unexpected(refreshed.error());
  ++refreshes_;
  access_token_ = refreshed->access_token;
  expires_at_ = now + refreshed->expires_in;
  return access_token_;
}

}  // namespace prospectd::connectors::gmail
