// OAuth 2.0 for installed apps: token endpoint calls through libcurl, the 0600 refresh-token
// file, PKCE (S256), the authorization URL and the Device Authorization Grant (RFC 8628).
#include "connectors/oauth/oauth.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace prospectd::connectors::oauth {
namespace {

constexpr std::string_view kUnreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

std::string random_string(std::size_t length, std::string_view alphabet) {
  std::random_device device;  // /dev/urandom (or RDRAND) on Linux
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[pick(device)]);
  return out;
}

// BASE64URL without padding (RFC 7636 §4.2, RFC 4648 §5): OpenSSL's base64, then the URL-safe
// alphabet.
std::string base64url(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string provider_of(const OAuthClient& client) {
  return client.provider.empty() ? "the sign-in server" : client.provider;
}

std::string capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

std::string account_of(const OAuthClient& client) {
  return client.account_name.empty() ? "ACCOUNT" : client.account_name;
}

std::string rerun_advice(const OAuthClient& client) { return "run `prospectd auth " + account_of(client) + "` again"; }

// client_id, and client_secret when the client has one (a public client sends none).
std::string client_form(const OAuthClient& client) {
  std::string form = "&client_id=" + url_encode(client.client_id);
  if (!client.client_secret.empty()) form += "&client_secret=" + url_encode(client.client_secret);
  return form;
}

struct HttpAnswer {
  long status = 0;
  std::string body;
};

// POSTs a form; only a failure to get any answer is an error here (transient).
std::expected<HttpAnswer, core::SourceError> post_form(const OAuthClient& client, const std::string& url,
                                                       const std::string& form, std::string_view what) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return std::unexpected(core::SourceError{core::ErrorKind::transient, "curl_easy_init failed"});
  HttpAnswer answer;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (!client.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, client.ca_file.c_str());
  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::transient, std::string(what) + ": " + curl_easy_strerror(code)});
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

std::string string_field(const nlohmann::json& json, const char* key) {
  if (!json.is_object() || !json.contains(key) || !json[key].is_string()) return {};
  return json[key].get<std::string>();
}

// expires_in and interval are integers; some servers send them as strings ("900").
std::optional<std::int64_t> seconds_field(const nlohmann::json& json, const char* key) {
  if (!json.is_object() || !json.contains(key)) return std::nullopt;
  const auto& value = json[key];
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) {
    const std::string text = value.get<std::string>();
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size()) return number;
  }
  return std::nullopt;
}

std::optional<TokenResponse> parse_token(const nlohmann::json& json) {
  const std::string access = string_field(json, "access_token");
  if (access.empty()) return std::nullopt;
  TokenResponse response;
  response.access_token = access;
  response.refresh_token = string_field(json, "refresh_token");
  if (const auto expires = seconds_field(json, "expires_in"); expires && *expires > 0) {
    response.expires_in = std::chrono::seconds(*expires);
  }
  return response;
}

// "error: description", or "HTTP 503" when the answer names no error.
std::string error_detail(long status, const nlohmann::json& json) {
  const std::string error = string_field(json, "error");
  const std::string description = string_field(json, "error_description");
  if (error.empty()) return "HTTP " + std::to_string(status);
  return error + (description.empty() ? "" : ": " + description);
}

// An answer that is not JSON (an HTML page, a proxy's error): the server is down or busy
// (429, 5xx: transient) or the URL is not an OAuth endpoint (fatal: the config is wrong).
core::SourceError not_an_oauth_answer(std::string_view what, const std::string& url, long status) {
  if (status == 429 || status >= 500) {
    return {core::ErrorKind::transient, std::string(what) + ": HTTP " + std::to_string(status)};
  }
  return {core::ErrorKind::fatal, std::string(what) + " " + url + " gave no OAuth answer (HTTP " +
                                      std::to_string(status) + ", not JSON); check its URL"};
}

// An RFC 6749 §5.2 error answer of the token endpoint, classified once.
core::SourceError classify_token_error(const OAuthClient& client, long status, const nlohmann::json& json) {
  const std::string error = string_field(json, "error");
  const std::string detail = error_detail(status, json);
  if (status == 429 || status >= 500 || (status == 200 && error.empty())) {
    return {core::ErrorKind::transient, "token endpoint: " + detail};
  }
  if (error == "invalid_grant") {
    return {core::ErrorKind::auth, "sign-in expired or revoked (" + provider_of(client) + ": " + detail +
                                       "): run `prospectd auth " + account_of(client) + "`"};
  }
  if (error == "invalid_client" || error == "unauthorized_client") {
    return {core::ErrorKind::auth,
            capitalized(provider_of(client)) + " rejected client_id/client_secret (" + detail + ")"};
  }
  return {core::ErrorKind::auth, "token endpoint refused: " + detail};
}

// POSTs a form to the token endpoint and classifies the answer once.
std::expected<TokenResponse, core::SourceError> post_token_request(const OAuthClient& client, const std::string& form) {
  auto answer = post_form(client, client.token_uri, form, "token endpoint");
  if (!answer) return std::unexpected(answer.error());
  const nlohmann::json json = nlohmann::json::parse(answer->body, nullptr, false);
  if (!json.is_object())
    return std::unexpected(not_an_oauth_answer("token endpoint", client.token_uri, answer->status));
  if (answer->status == 200) {
    if (auto token = parse_token(json)) return *token;
  }
  return std::unexpected(classify_token_error(client, answer->status, json));
}

}  // namespace

std::string url_encode(std::string_view text) {
  // libcurl keeps exactly RFC 3986's unreserved characters; the handle argument is ignored.
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
  if (!escaped) throw std::bad_alloc();
  return escaped.get();
}

std::expected<TokenResponse, core::SourceError> refresh_access_token(const OAuthClient& client,
                                                                     const std::string& refresh_token) {
  return post_token_request(
      client, "grant_type=refresh_token&refresh_token=" + url_encode(refresh_token) + client_form(client));
}

std::expected<TokenResponse, core::SourceError> exchange_code(const OAuthClient& client, const std::string& code,
                                                              const std::string& code_verifier,
                                                              const std::string& redirect_uri) {
  return post_token_request(client, "grant_type=authorization_code&code=" + url_encode(code) +
                                        "&code_verifier=" + url_encode(code_verifier) +
                                        "&redirect_uri=" + url_encode(redirect_uri) + client_form(client));
}

std::expected<std::string, core::SourceError> read_refresh_token(const std::filesystem::path& file,
                                                                 const std::string& account_name) {
  const std::string advice = "run `prospectd auth " + account_name + "` to sign in";
  std::ifstream in(file);
  if (!in) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::auth, "no sign-in stored at " + file.string() + "; " + advice});
  }
  // The file holds a long-lived credential: only its owner may read it (it is written 0600).
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return std::unexpected(core::SourceError{core::ErrorKind::auth, "cannot read " + file.string() + "; " + advice});
  }
  if ((info.st_mode & 0177) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return std::unexpected(core::SourceError{
        core::ErrorKind::auth, file.string() + " has mode " + mode + ", wider than 0600; remove it and " + advice});
  }
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) {
    return std::unexpected(core::SourceError{core::ErrorKind::auth, file.string() + " is not valid JSON; " + advice});
  }
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
                              const std::string& redirect_uri, const Pkce& pkce, const std::string& state,
                              const std::string& scopes, const std::string& extra_query) {
  std::string url = endpoint + "?response_type=code&client_id=" + url_encode(client_id) +
                    "&redirect_uri=" + url_encode(redirect_uri) + "&scope=" + url_encode(scopes) +
                    "&code_challenge=" + pkce.challenge + "&code_challenge_method=S256&state=" + state;
  if (!extra_query.empty()) url += "&" + extra_query;
  return url;
}

// --- Device Authorization Grant (RFC 8628) ---

std::expected<DeviceAuthorization, core::SourceError> request_device_code(const OAuthClient& client,
                                                                          const std::string& device_endpoint,
                                                                          const std::string& scopes) {
  // §3.1: client_id and scope, form-encoded; a confidential client authenticates as at the
  // token endpoint (RFC 6749 §2.3.1: client_secret in the body).
  std::string form = "scope=" + url_encode(scopes) + client_form(client);
  auto answer = post_form(client, device_endpoint, form, "device authorization endpoint");
  if (!answer) return std::unexpected(answer.error());
  const nlohmann::json json = nlohmann::json::parse(answer->body, nullptr, false);
  if (!json.is_object()) {
    return std::unexpected(not_an_oauth_answer("device authorization endpoint", device_endpoint, answer->status));
  }
  if (answer->status != 200) {
    // §3.2: errors as in RFC 6749 §5.2.
    const std::string detail = error_detail(answer->status, json);
    const core::ErrorKind kind = (answer->status == 429 || answer->status >= 500)  ? core::ErrorKind::transient
                                 : string_field(json, "error") == "invalid_client" ? core::ErrorKind::auth
                                                                                   : core::ErrorKind::fatal;
    return std::unexpected(core::SourceError{kind, "device authorization endpoint refused: " + detail});
  }
  // §3.2: device_code, user_code, verification_uri and expires_in are required;
  // verification_uri_complete and interval (default 5 s) are optional.
  DeviceAuthorization device;
  device.device_code = string_field(json, "device_code");
  device.user_code = string_field(json, "user_code");
  device.verification_uri = string_field(json, "verification_uri");
  if (device.verification_uri.empty()) device.verification_uri = string_field(json, "verification_url");
  device.verification_uri_complete = string_field(json, "verification_uri_complete");
  const auto expires = seconds_field(json, "expires_in");
  const auto interval = seconds_field(json, "interval");
  std::string missing;
  if (device.device_code.empty())
    missing = "device_code";
  else if (device.user_code.empty())
    missing = "user_code";
  else if (device.verification_uri.empty())
    missing = "verification_uri";
  else if (!expires || *expires <= 0)
    missing = "expires_in";
  if (!missing.empty()) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::fatal, "device authorization endpoint: the answer has no " + missing});
  }
  device.expires_in = std::chrono::seconds(*expires);
  if (interval && *interval > 0) device.interval = std::chrono::seconds(*interval);
  return device;
}

std::expected<TokenResponse, core::SourceError> poll_device_token(
    const OAuthClient& client, const std::string& device_code, std::chrono::seconds interval,
    std::chrono::seconds expires_in, const SleepFunction& sleep, const std::atomic<bool>* cancel) {
  const auto cancelled = [cancel] { return cancel != nullptr && cancel->load(); };
  const auto wait = [&](std::chrono::seconds duration) {
    if (sleep) return sleep(duration);
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!cancelled() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  };
  const core::SourceError expired{
      core::ErrorKind::auth,
      "the code expired before the sign-in finished: run `prospectd auth " + account_of(client) + " --device` again"};
  const std::string form = "grant_type=" + url_encode("urn:ietf:params:oauth:grant-type:device_code") +
                           "&device_code=" + url_encode(device_code) + client_form(client);
  if (interval <= std::chrono::seconds(0)) interval = std::chrono::seconds(5);  // §3.2 default
  std::chrono::seconds waited{0};
  while (true) {
    // §3.5: "the client SHOULD wait at least interval seconds between polling requests".
    if (waited + interval > expires_in) return std::unexpected(expired);
    wait(interval);
    waited += interval;
    if (cancelled()) return std::unexpected(core::SourceError{core::ErrorKind::transient, "stopped"});
    // §3.4: the device access token request.
    auto answer = post_form(client, client.token_uri, form, "token endpoint");
    if (!answer) return std::unexpected(answer.error());
    const nlohmann::json json = nlohmann::json::parse(answer->body, nullptr, false);
    if (answer->status == 200) {
      if (auto token = parse_token(json)) return *token;
    }
    if (!json.is_object()) {
      return std::unexpected(not_an_oauth_answer("token endpoint", client.token_uri, answer->status));
    }
    // §3.5: the error codes of the device flow, on top of RFC 6749 §5.2.
    const std::string error = string_field(json, "error");
    if (error == "authorization_pending") continue;
    if (error == "slow_down") {
      interval += std::chrono::seconds(5);  // §3.5: "increased by 5 seconds for this and all subsequent requests"
      continue;
    }
    if (error == "access_denied") {
      return std::unexpected(core::SourceError{core::ErrorKind::auth, "the sign-in was denied"});
    }
    if (error == "expired_token") return std::unexpected(expired);
    return std::unexpected(classify_token_error(client, answer->status, json));
  }
}

std::expected<std::string, core::SourceError> AccessTokens::token(bool force_refresh) {
  const auto now = std::chrono::steady_clock::now();
  if (!force_refresh && !access_token_.empty() && now < refresh_at_) return access_token_;
  auto refreshed = refresh_access_token(client_, refresh_token_);
  if (!refreshed) return std::unexpected(refreshed.error());
  ++refreshes_;
  access_token_ = refreshed->access_token;
  refresh_at_ =
      now + refreshed->expires_in - std::min<std::chrono::seconds>(std::chrono::seconds(60), refreshed->expires_in / 4);
  // RFC 6749 §6: the server may issue a new refresh token (Microsoft does, rotating); the old
  // one may stop working, so the new one is kept, and written to the token file at once.
  if (!refreshed->refresh_token.empty() && refreshed->refresh_token != refresh_token_) {
    refresh_token_ = refreshed->refresh_token;
    if (!token_file_.empty()) {
      auto written = write_refresh_token(token_file_, refresh_token_);
      if (!written) {
        return std::unexpected(
            core::SourceError{core::ErrorKind::fatal,
                              written.error() + ": the renewed sign-in could not be kept; " + rerun_advice(client_)});
      }
    }
  }
  return access_token_;
}

std::optional<std::chrono::steady_clock::time_point> AccessTokens::valid_until() const {
  if (access_token_.empty()) return std::nullopt;
  return refresh_at_;
}

}  // namespace prospectd::connectors::oauth
