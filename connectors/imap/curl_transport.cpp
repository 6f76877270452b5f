// libcurl with CURLOPT_CONNECT_ONLY: curl_easy_perform() connects and logs in, then we move
// bytes with curl_easy_send/curl_easy_recv, waiting on CURLINFO_ACTIVESOCKET with poll().
#include "connectors/imap/curl_transport.h"

#include <curl/curl.h>
#include <poll.h>

#include <cerrno>
#include <mutex>
#include <string>

namespace prospectd::connectors::imap {
namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// CURLcode -> error kind, once, where the failure arises (ARCHITECTURE.md "Errors and backoff").
core::SourceError classify(CURLcode code, const std::string& detail, const std::string& url) {
  const std::string what = detail.empty() ? curl_easy_strerror(code) : detail;
  switch (code) {
    case CURLE_LOGIN_DENIED:
      return {core::ErrorKind::auth, "the server refused the login for " + url + " (" + what + ")"};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return {core::ErrorKind::fatal, "the TLS certificate of " + url + " is not trusted (" + what +
                                          "); if the server uses its own CA, set ca_file"};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {core::ErrorKind::fatal, "the url " + url + " is not an imap:// or imaps:// URL (" + what + ")"};
    case CURLE_USE_SSL_FAILED:
      return {core::ErrorKind::fatal, url + " does not offer STARTTLS, and starttls = \"required\""};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
      return {core::ErrorKind::transient, "cannot reach " + url + ": " + what};
    default:
      return {core::ErrorKind::transient, "connection to " + url + " failed: " + what};
  }
}

}  // namespace

struct CurlTransport::Handle {
  CURL* curl = nullptr;
  curl_socket_t socket = CURL_SOCKET_BAD;
  std::string url;
  const std::atomic<bool>* cancel = nullptr;
  bool cancelled() const { return cancel && cancel->load(); }
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

CurlTransport::CurlTransport(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
CurlTransport::~CurlTransport() = default;

std::expected<std::unique_ptr<CurlTransport>, core::SourceError> CurlTransport::connect(const ConnectOptions& options) {
  global_init_once();
  auto handle = std::make_unique<Handle>();
  handle->url = options.url;
  handle->cancel = options.cancel;
  handle->curl = curl_easy_init();
  if (!handle->curl) return std::unexpected(core::SourceError{core::ErrorKind::fatal, "libcurl could not start"});
  CURL* curl = handle->curl;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt(curl, CURLOPT_USERNAME, options.username.c_str());
  if (!options.oauth2_bearer.empty()) {
    curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, options.oauth2_bearer.c_str());
    // OAUTHBEARER (RFC 7628) where the server offers it, else XOAUTH2: libcurl picks
    // OAUTHBEARER first among the mechanisms allowed here and advertised by the server.
    curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=OAUTHBEARER;AUTH=XOAUTH2");
  } else {
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
  }
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  switch (options.starttls) {
    case StartTls::required:
      curl_easy_setopt(curl, CURLOPT_USE_SSL, CURLUSESSL_ALL);
      break;
    case StartTls::automatic:
      curl_easy_setopt(curl, CURLOPT_USE_SSL, CURLUSESSL_TRY);
      break;
    case StartTls::off:
      curl_easy_setopt(curl, CURLOPT_USE_SSL, CURLUSESSL_NONE);
      break;
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
  // Bounds the whole connect + login exchange, which CONNECT_ONLY performs.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.connect_timeout.count() * 2));
  curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
  if (options.cancel) {
    // Lets a shutdown abort a slow connect or login (CURLE_ABORTED_BY_CALLBACK).
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, options.cancel);
    curl_easy_setopt(
        curl, CURLOPT_XFERINFOFUNCTION, +[](void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
          return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
        });
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);

  const CURLcode code = curl_easy_perform(curl);
  // error_buffer dies with this frame: libcurl must not keep it, or a later curl_easy_recv on
  // a dropped connection strcpy()s its message into a dead stack frame (found by ASan).
  struct ForgetErrorBuffer {
    CURL* curl;
    ~ForgetErrorBuffer() { curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr); }
  } forget_error_buffer{curl};
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::transient, "cancelled while connecting to " + options.url});
  }
  if (code != CURLE_OK) return std::unexpected(classify(code, error_buffer, options.url));
  if (options.cancel) curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 1L);
  if (curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &handle->socket) != CURLE_OK ||
      handle->socket == CURL_SOCKET_BAD) {
    return std::unexpected(
        core::SourceError{core::ErrorKind::transient, "no socket after connecting to " + options.url});
  }
  // The whole-transfer timeout must not cut the long-lived session that follows.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 0L);
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(handle)));
}

std::expected<void, core::SourceError> CurlTransport::send_all(std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t sent = 0;
    const CURLcode code = curl_easy_send(handle_->curl, bytes.data(), bytes.size(), &sent);
    if (code == CURLE_AGAIN) {
      pollfd descriptor{handle_->socket, POLLOUT, 0};
      if (poll(&descriptor, 1, 60000) <= 0) {
        return std::unexpected(
            core::SourceError{core::ErrorKind::transient, "sending to " + handle_->url + " timed out"});
      }
      continue;
    }
    if (code != CURLE_OK) return std::unexpected(classify(code, "", handle_->url));
    bytes.remove_prefix(sent);
  }
  return {};
}

std::expected<std::size_t, core::SourceError> CurlTransport::receive(char* buffer, std::size_t capacity,
                                                                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t received = 0;
    const CURLcode code = curl_easy_recv(handle_->curl, buffer, capacity, &received);
    if (code == CURLE_OK) {
      if (received == 0) {
        return std::unexpected(core::SourceError{core::ErrorKind::transient, handle_->url + " closed the connection"});
      }
      return received;
    }
    if (code != CURLE_AGAIN) return std::unexpected(classify(code, "", handle_->url));
    if (handle_->cancelled()) {
      return std::unexpected(core::SourceError{core::ErrorKind::transient, "cancelled (prospectd is stopping)"});
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::size_t{0};
    pollfd descriptor{handle_->socket, POLLIN, 0};
    // Short slices so a cancellation is noticed within a quarter of a second.
    const int ready = poll(&descriptor, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 250)));
    if (ready < 0 && errno != EINTR) {
      return std::unexpected(core::SourceError{core::ErrorKind::transient, "waiting for " + handle_->url + " failed"});
    }
  }
}

}  // namespace prospectd::connectors::imap
