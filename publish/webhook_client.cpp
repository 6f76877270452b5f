// One signed webhook POST on a reused libcurl easy handle: bounded time, no redirects, a response
// read to at most 64 KiB, and the outcome classified once (DeliveryVerdict). Owned by its
// WebhookClient; one thread per client.
#include "publish/webhook_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "util/keyed_hash.h"

namespace prospectd::publish {
namespace {

constexpr std::size_t kResponseCap = 64 * 1024;     // bytes of a response body ever buffered
constexpr std::size_t kErrorExcerptChars = 200;     // of a refused body, in the error line
constexpr std::size_t kLocationExcerptChars = 300;  // of a redirect's Location, in the error line

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view trim_whitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

bool header_name_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char a = line[i] >= 'A' && line[i] <= 'Z' ? static_cast<char>(line[i] - 'A' + 'a') : line[i];
    if (a != name[i]) return false;
  }
  return true;
}

// At most `limit` characters of `text` for a one-line message ("..." when cut): control characters
// become spaces, runs of spaces collapse, and a UTF-8 sequence is never cut in half.
std::string one_line_excerpt(std::string_view text, std::size_t limit) {
  std::string line;
  std::size_t characters = 0;
  std::size_t i = 0;
  while (i < text.size() && characters < limit) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    if (byte >= 0xF0) {
      length = 4;
    } else if (byte >= 0xE0) {
      length = 3;
    } else if (byte >= 0xC0) {
      length = 2;
    }
    if (i + length > text.size()) break;  // a sequence cut by the cap
    if (byte <= 0x20 || byte == 0x7F || (byte >= 0x80 && byte < 0xC0)) {
      if (!line.empty() && line.back() != ' ') {
        line += ' ';
        ++characters;
      }
    } else {
      line.append(text.substr(i, length));
      ++characters;
    }
    i += length;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (i < text.size()) line += "...";
  return line;
}

// Retry-After in seconds: the delta-seconds form, or an HTTP-date (RFC 9110 §10.2.3).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
  value = trim_whitespace(value);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc{} && end == value.data() + value.size()) {
    return seconds < 0 ? std::nullopt : std::optional(std::chrono::seconds(seconds));
  }
  const std::string date(value);
  const std::time_t when = curl_getdate(date.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const std::time_t now = std::time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

// Header values go on the wire verbatim: a CR or LF (or any control character) would split them.
bool safe_header_value(std::string_view value) {
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  }
  return !value.empty();
}

}  // namespace

std::string webhook_signature(std::string_view secret, std::string_view body) {
  return "sha256=" + util::hmac_sha256_hex(secret, body);
}

// Named, not anonymous: WebhookClient::Handle (declared in the header) holds one.
namespace webhook_attempt {

// What the callbacks gather during one attempt; reset before each.
struct Answer {
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::string body;
  bool body_capped = false;  // the body went past kResponseCap and the transfer was stopped
  bool final_headers_complete = false;
  long header_status = 0;  // of the response whose headers are arriving
  std::string retry_after;
  std::string location;

  void reset() {
    error_buffer[0] = '\0';
    body.clear();
    body_capped = false;
    final_headers_complete = false;
    header_status = 0;
    retry_after.clear();
    location.clear();
  }
};

}  // namespace webhook_attempt

using webhook_attempt::Answer;

namespace {

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& answer = *static_cast<Answer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue, say): forget the previous one's headers.
    answer.retry_after.clear();
    answer.location.clear();
    answer.final_headers_complete = false;
    const std::size_t space = line.find(' ');
    answer.header_status = 0;
    if (space != std::string_view::npos && space + 4 <= line.size()) {
      std::from_chars(line.data() + space + 1, line.data() + space + 4, answer.header_status);
    }
  } else if (line == "\r\n" || line == "\n") {
    if (answer.header_status >= 200) answer.final_headers_complete = true;
  } else if (header_name_is(line, "retry-after")) {
    answer.retry_after = std::string(trim_whitespace(line.substr(12)));
  } else if (header_name_is(line, "location")) {
    answer.location = std::string(trim_whitespace(line.substr(9)));
  }
  return size * count;
}

// Keeps at most kResponseCap bytes; past it, stops the transfer (libcurl then closes the connection).
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& answer = *static_cast<Answer*>(user);
  const std::size_t bytes = size * count;
  if (answer.body.size() + bytes > kResponseCap) {
    answer.body.append(data, kResponseCap - answer.body.size());
    answer.body_capped = true;
    return 0;  // CURLE_WRITE_ERROR: read no further
  }
  answer.body.append(data, bytes);
  return bytes;
}

DeliveryOutcome classify_status(long status, std::string_view body, std::string_view location) {
  DeliveryOutcome outcome;
  outcome.http_status = static_cast<int>(status);
  if (status >= 200 && status < 300) {
    outcome.verdict = DeliveryVerdict::delivered;
    return outcome;
  }
  const std::string code = std::to_string(status);
  if (status >= 300 && status < 400) {
    outcome.verdict = DeliveryVerdict::retry_item;
    outcome.error = location.empty()
                        ? "redirected (HTTP " + code + ") without a Location"
                        : "redirected (HTTP " + code + ") to " + one_line_excerpt(location, kLocationExcerptChars);
    outcome.error += "; webhooks are not followed across redirects";
    return outcome;
  }
  const bool receiver_unwell = status >= 500 || status == 408 || status == 429 || status < 100;
  outcome.verdict = receiver_unwell ? DeliveryVerdict::retry_target : DeliveryVerdict::retry_item;
  outcome.error = "HTTP " + code;
  const std::string excerpt = one_line_excerpt(body, kErrorExcerptChars);
  if (!excerpt.empty()) outcome.error += ": " + excerpt;
  return outcome;
}

// A transfer that ended without a complete HTTP answer: the receiver (or the way to it) is unwell.
DeliveryOutcome classify_transport_error(CURLcode code, const char* detail, std::chrono::milliseconds timeout) {
  DeliveryOutcome outcome;
  outcome.verdict = DeliveryVerdict::retry_target;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      outcome.error = "no answer within " + std::to_string(timeout.count()) + " ms";
      break;
    case CURLE_GOT_NOTHING:
      outcome.error = "the receiver closed the connection without answering";
      break;
    case CURLE_COULDNT_CONNECT:
      outcome.error = "could not connect";
      break;
    default:
      outcome.error = curl_easy_strerror(code);
  }
  if (detail && *detail) outcome.error += std::string(" (") + one_line_excerpt(detail, kErrorExcerptChars) + ")";
  return outcome;
}

}  // namespace

// The easy handle, kept across deliveries (its connection cache keeps the receiver's connection alive).
struct WebhookClient::Handle {
  CURL* easy = nullptr;
  Answer answer;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (easy) curl_easy_cleanup(easy);
  }
};

WebhookClient::WebhookClient(WebhookEndpoint endpoint, std::string secret)
    : endpoint_(std::move(endpoint)), secret_(std::move(secret)), handle_(std::make_unique<Handle>()) {
  init_curl_once();
  handle_->easy = curl_easy_init();
  if (!handle_->easy) throw std::runtime_error("libcurl could not create a handle");
  CURL* easy = handle_->easy;
  curl_easy_setopt(easy, CURLOPT_URL, endpoint_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!endpoint_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(endpoint_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(endpoint_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "prospectd/" PROSPECTD_VERSION);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, handle_->answer.error_buffer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &handle_->answer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &handle_->answer);
}

WebhookClient::~WebhookClient() = default;

DeliveryOutcome WebhookClient::deliver(const WebhookDelivery& delivery) {
  if (!safe_header_value(delivery.id) || !safe_header_value(delivery.event_type)) {
    return {DeliveryVerdict::retry_item, 0, "delivery id or event type is empty or has control characters", {}};
  }
  Handle& handle = *handle_;
  Answer& answer = handle.answer;
  answer.reset();
  curl_slist* headers = nullptr;
  const std::string lines[] = {
      "Content-Type: application/json",
      "X-Prospectd-Event: " + delivery.event_type,
      "X-Prospectd-Delivery: " + delivery.id,
      "X-Prospectd-Signature: " + webhook_signature(secret_, delivery.body),
      "Expect:",  // no 100-continue round trip for larger bodies
  };
  for (const auto& line : lines) headers = curl_slist_append(headers, line.c_str());
  curl_easy_setopt(handle.easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle.easy, CURLOPT_POSTFIELDS, delivery.body.data());
  curl_easy_setopt(handle.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(delivery.body.size()));

  const CURLcode code = curl_easy_perform(handle.easy);
  curl_easy_setopt(handle.easy, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);

  long status = 0;
  curl_easy_getinfo(handle.easy, CURLINFO_RESPONSE_CODE, &status);
  const bool answered = code == CURLE_OK || (answer.final_headers_complete && status >= 200);
  DeliveryOutcome outcome = answered ? classify_status(status, answer.body, answer.location)
                                     : classify_transport_error(code, answer.error_buffer, endpoint_.timeout);
  if (answered) outcome.retry_after = parse_retry_after(answer.retry_after);
  if (answered && code != CURLE_OK && !answer.body_capped) {
    spdlog::debug("webhook {}: HTTP {} then {}", delivery.id, status, curl_easy_strerror(code));
  }
  return outcome;
}

}  // namespace prospectd::publish
