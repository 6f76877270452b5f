// The Gmail REST client: a libcurl multi loop that starts requests as the quota bucket allows,
// classifies each answer once, and retries what can be retried.
#include "connectors/gmail/api_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <deque>
#include <memory>
#include <random>

#include "util/text.h"

namespace prospectd::connectors::gmail {
namespace {

using Clock = std::chrono::steady_clock;

// Not util::trim: only SP and HTAB are stripped in front (RFC 7230 §3.2.3 OWS), CR and LF only at the end.
std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// "Retry after 2024-05-01T12:00:00.000Z" in userRateLimitExceeded messages (RFC 3339, UTC).
std::optional<std::chrono::milliseconds> retry_after_in_message(std::string_view message,
                                                                std::chrono::system_clock::time_point now) {
  const std::size_t at = message.find("Retry after ");
  if (at == std::string_view::npos) return std::nullopt;
  const std::string stamp(message.substr(at + 12, 19));
  std::tm tm{};
  if (!strptime(stamp.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(when - now));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && ptr == value.data() + value.size()) {
    return std::chrono::milliseconds(std::max(0LL, seconds) * 1000);
  }
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);  // RFC 7231 HTTP-date
  if (when < 0) return std::nullopt;
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::system_clock::from_time_t(when) - now));
}

}  // namespace

Classified classify_response(long status, std::string_view body, std::string_view retry_after_header,
                             std::chrono::system_clock::time_point now) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  Classified out{Disposition::ok, {}, parse_retry_after(retry_after_header, now)};
  if (status >= 200 && status < 300) {
    if (json.is_discarded() || !json.is_object()) {
      out.disposition = Disposition::retry;
      out.message = "an unreadable answer (HTTP " + std::to_string(status) + ")";
    }
    return out;
  }
  // Google's error body: {"error": {"code", "message", "errors": [{"reason", "domain"}], "status"}}.
  std::string reason;
  std::string error_status;
  out.message = "HTTP " + std::to_string(status);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const auto& error = json["error"];
    if (error.contains("message") && error["message"].is_string()) {
      out.message += ": " + error["message"].get<std::string>();
    }
    if (error.contains("status") && error["status"].is_string()) error_status = error["status"].get<std::string>();
    if (error.contains("errors") && error["errors"].is_array() && !error["errors"].empty()) {
      const auto& first = error["errors"][0];
      if (first.is_object() && first.contains("reason") && first["reason"].is_string()) {
        reason = first["reason"].get<std::string>();
      }
    }
  }
  if (!out.retry_after) out.retry_after = retry_after_in_message(out.message, now);
  if (status == 401) {
    out.disposition = Disposition::refresh_token;
  } else if (status == 404) {
    out.disposition = Disposition::not_found;
  } else if (status == 429 || (status == 403 && (reason == "rateLimitExceeded" || reason == "userRateLimitExceeded" ||
                                                 error_status == "RESOURCE_EXHAUSTED"))) {
    out.disposition = Disposition::quota_backoff;
  } else if (status >= 500 || status == 408) {
    out.disposition = Disposition::retry;
  } else if (status == 403 && (reason == "dailyLimitExceeded" || reason == "quotaExceeded")) {
    out.disposition = Disposition::fail_transient;
  } else if (status == 403) {
    out.disposition = Disposition::fail_auth;
  } else {
    out.disposition = Disposition::fail_fatal;
  }
  return out;
}

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::string_view line(data, size * count);
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos && util::equals_ignoring_case(line.substr(0, colon), "retry-after")) {
    *static_cast<std::string*>(user) = std::string(trim(line.substr(colon + 1)));
  }
  return size * count;
}

// One request on the wire: its easy handle (from the client's pool), answer and token.
struct Transfer {
  CURL* easy = nullptr;
  std::size_t index = 0;
  std::string body;
  std::string retry_after;
  std::string token;
  curl_slist* headers = nullptr;
};

// A request waiting to be (re)started, not before `not_before`.
struct Pending {
  std::size_t index;
  Clock::time_point not_before;
};

// A network failure counts as a retryable answer; otherwise the HTTP answer is classified.
Classified verdict_on(const Transfer& transfer, CURLcode code) {
  Classified verdict{Disposition::retry, {}, std::nullopt};
  if (code != CURLE_OK) {
    verdict.message = curl_easy_strerror(code);
  } else {
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    verdict = classify_response(status, transfer.body, transfer.retry_after);
  }
  return verdict;
}

// The ApiClient state that outlives one run: settings, token, quota bucket, handle pool, stats.
struct ClientState {
  const ApiClientOptions& options;
  oauth::TokenSource& tokens;
  QuotaBucket& bucket;
  CURLM* multi;
  std::vector<void*>& idle_handles;
  std::string& token;
  ApiStats& stats;
};

// One ApiClient::run call: the queue of requests to (re)start, the transfers in flight and the
// results so far.
class BatchRun {
 public:
  BatchRun(ClientState client, const std::vector<ApiRequest>& requests)
      : client_(client),
        requests_(requests),
        results_(requests.size()),
        attempts_(requests.size(), 0),
        unauthorized_(requests.size(), 0),
        remaining_(requests.size()) {
    for (std::size_t i = 0; i < requests.size(); ++i) pending_.push_back({i, Clock::time_point{}});
  }
  BatchRun(const BatchRun&) = delete;
  BatchRun& operator=(const BatchRun&) = delete;

  std::expected<std::vector<ApiResult>, core::SourceError> run() {
    while (remaining_ > 0) {
      if (client_.options.cancel && client_.options.cancel->load()) {
        return abandon(core::SourceError{core::ErrorKind::transient, "the sync was cancelled"});
      }
      const auto wake = start_due_requests();
      if (!wake) return abandon(wake.error());
      const auto handled = perform_transfers();
      if (!handled) return abandon(handled.error());
      if (remaining_ == 0) break;
      wait_for_activity(*wake);
    }
    return std::move(results_);
  }

 private:
  // Starts the due requests in queue order while the bucket has their units; returns when to
  // look at the queue again.
  std::expected<Clock::time_point, core::SourceError> start_due_requests() {
    const auto now = Clock::now();
    Clock::time_point wake = now + std::chrono::milliseconds(200);
    for (auto it = pending_.begin(); it != pending_.end() && in_flight_.size() < client_.options.max_in_flight;) {
      if (it->not_before > now) {
        wake = std::min(wake, it->not_before);
        ++it;
        continue;
      }
      const auto wait = client_.bucket.try_take(quota_cost(requests_[it->index].method), now);
      if (wait > Clock::duration::zero()) {
        wake = std::min(wake, now + wait);
        break;  // first come, first served: later requests do not overtake this one
      }
      auto started = start_transfer(it->index);
      if (!started) return std::unexpected(started.error());
      it = pending_.erase(it);
    }
    return wake;
  }

  // Sends request `index` with the current access token (asking for one if there is none yet).
  std::expected<void, core::SourceError> start_transfer(std::size_t index) {
    if (client_.token.empty()) {
      auto token = client_.tokens.token(false);
      if (!token) return std::unexpected(token.error());
      client_.token = *token;
    }
    auto transfer = std::make_unique<Transfer>();
    transfer->index = index;
    transfer->token = client_.token;
    transfer->easy = take_handle();
    set_up_get(*transfer, client_.options.api_base + "/gmail/v1/users/me/" + requests_[index].path);
    curl_multi_add_handle(client_.multi, transfer->easy);
    const Method method = requests_[index].method;
    ++client_.stats.requests;
    client_.stats.units += static_cast<std::uint64_t>(quota_cost(method));
    ++client_.stats.per_method[static_cast<std::size_t>(method)];
    in_flight_.push_back(std::move(transfer));
    return {};
  }

  // An idle handle keeps its connection (and HTTP/2 session) for reuse.
  CURL* take_handle() {
    if (client_.idle_handles.empty()) return curl_easy_init();
    CURL* easy = static_cast<CURL*>(client_.idle_handles.back());
    client_.idle_handles.pop_back();
    return easy;
  }

  void set_up_get(Transfer& transfer, const std::string& url) {
    CURL* easy = transfer.easy;
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, static_cast<long>(client_.options.request_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer.body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer.retry_after);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
    if (!client_.options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, client_.options.ca_file.c_str());
    transfer.headers = curl_slist_append(nullptr, ("Authorization: Bearer " + transfer.token).c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.headers);
  }

  // Lets curl move every transfer along, then handles those that finished; an error ends the call.
  std::expected<void, core::SourceError> perform_transfers() {
    int running = 0;
    curl_multi_perform(client_.multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(client_.multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &raw);
      const CURLcode code = message->data.result;
      const auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                                   [&](const auto& transfer) { return transfer.get() == raw; });
      if (it == in_flight_.end()) continue;
      std::unique_ptr<Transfer> transfer = std::move(*it);
      in_flight_.erase(it);
      auto handled = complete(*transfer, code);
      release(*transfer);
      if (!handled) return handled;
    }
    return {};
  }

  // Handles one finished transfer; returns an error that ends the call.
  std::expected<void, core::SourceError> complete(const Transfer& transfer, CURLcode code) {
    const std::size_t index = transfer.index;
    const auto now = Clock::now();
    const Classified verdict = verdict_on(transfer, code);
    const std::string what = std::string(method_name(requests_[index].method));
    switch (verdict.disposition) {
      case Disposition::ok:
        results_[index].body = nlohmann::json::parse(transfer.body, nullptr, false);
        --remaining_;
        return {};
      case Disposition::not_found:
        results_[index].not_found = true;
        --remaining_;
        return {};
      case Disposition::refresh_token:
        return refresh_token_and_repeat(index, transfer.token, verdict.message, now);
      case Disposition::quota_backoff:
      case Disposition::retry:
        return schedule_retry(index, verdict, what, now);
      case Disposition::fail_transient:
        return std::unexpected(core::SourceError{core::ErrorKind::transient, what + ": " + verdict.message});
      case Disposition::fail_auth:
        return std::unexpected(core::SourceError{core::ErrorKind::auth, what + ": " + verdict.message});
      case Disposition::fail_fatal:
        return std::unexpected(core::SourceError{core::ErrorKind::fatal, what + ": " + verdict.message});
    }
    return {};
  }

  // A 401: refreshes the token unless a newer one replaced the one sent, then repeats at once.
  std::expected<void, core::SourceError> refresh_token_and_repeat(std::size_t index, const std::string& sent_token,
                                                                  const std::string& message, Clock::time_point now) {
    if (++unauthorized_[index] > 3) {
      return std::unexpected(
          core::SourceError{core::ErrorKind::auth, "Gmail rejects fresh access tokens (" + message + ")"});
    }
    if (sent_token == client_.token) {
      ++client_.stats.token_refreshes;
      auto token = client_.tokens.token(true);
      if (!token) return std::unexpected(token.error());
      client_.token = *token;
    }
    pending_.push_front({index, now});
    return {};
  }

  // A quota or transient failure: requeues the request after a backoff, until attempts run out.
  std::expected<void, core::SourceError> schedule_retry(std::size_t index, const Classified& verdict,
                                                        const std::string& what, Clock::time_point now) {
    const bool quota = verdict.disposition == Disposition::quota_backoff;
    ++(quota ? client_.stats.quota_errors : client_.stats.server_errors);
    if (++attempts_[index] >= client_.options.max_attempts + (quota ? 4U : 0U)) {
      return std::unexpected(
          core::SourceError{core::ErrorKind::transient, what + " keeps failing: " + verdict.message});
    }
    ++client_.stats.retries;
    const auto delay = backoff_delay(index, verdict.retry_after);
    // The per-user quota is shared by every request: pause them all for Retry-After.
    if (quota) client_.bucket.pause_until(now + verdict.retry_after.value_or(client_.options.backoff_base));
    spdlog::debug("gmail: {} failed ({}); retrying in {} ms", what, verdict.message, delay.count());
    const Pending retry{index, now + delay};
    const auto at =
        std::find_if(pending_.begin(), pending_.end(), [&](const Pending& other) { return other.index > index; });
    pending_.insert(at, retry);
    return {};
  }

  // Exponential backoff with jitter (half to full ceiling), never shorter than Retry-After.
  std::chrono::milliseconds backoff_delay(std::size_t index, std::optional<std::chrono::milliseconds> retry_after) {
    const unsigned attempt = std::min(attempts_[index], 16U);
    const std::chrono::milliseconds ceiling = std::min<std::chrono::milliseconds>(
        client_.options.backoff_cap, client_.options.backoff_base * (std::int64_t{1} << attempt));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto delay =
        std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(ceiling.count()) * jitter(random_)));
    if (retry_after) delay = std::max(delay, *retry_after);
    return delay;
  }

  // Waits in curl for socket activity, at most until `wake` and never over 200 ms (the loop checks
  // for cancellation).
  void wait_for_activity(Clock::time_point wake) {
    const auto now = Clock::now();
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
    if (!in_flight_.empty() || timeout > 0) {
      curl_multi_poll(client_.multi, nullptr, 0, static_cast<int>(std::clamp<std::int64_t>(timeout, 1, 200)), nullptr);
    }
  }

  // Detaches the transfer from the multi handle and returns its easy handle to the pool.
  void release(Transfer& transfer) {
    curl_multi_remove_handle(client_.multi, transfer.easy);
    curl_slist_free_all(transfer.headers);
    transfer.headers = nullptr;
    client_.idle_handles.push_back(transfer.easy);
  }

  // Ends the call with `error`, returning the handles of the transfers in flight to the pool.
  std::unexpected<core::SourceError> abandon(core::SourceError error) {
    for (auto& transfer : in_flight_) release(*transfer);
    return std::unexpected(std::move(error));
  }

  const ClientState client_;
  const std::vector<ApiRequest>& requests_;
  std::vector<ApiResult> results_;
  std::vector<unsigned> attempts_;      // quota and transient failures per request
  std::vector<unsigned> unauthorized_;  // 401 answers per request
  std::deque<Pending> pending_;
  std::vector<std::unique_ptr<Transfer>> in_flight_;
  std::size_t remaining_;  // requests without a result yet
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

ApiClient::ApiClient(ApiClientOptions options, oauth::TokenSource& tokens)
    : options_(std::move(options)), tokens_(tokens), bucket_(options_.units_per_second, options_.burst_units) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.max_in_flight));
  multi_ = multi;
}

ApiClient::~ApiClient() {
  for (void* easy : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(easy));
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

std::expected<ApiResult, core::SourceError> ApiClient::call(const ApiRequest& request) {
  auto results = run({request});
  if (!results) return std::unexpected(results.error());
  return std::move(results->front());
}

std::expected<std::vector<ApiResult>, core::SourceError> ApiClient::run(const std::vector<ApiRequest>& requests) {
  BatchRun batch({options_, tokens_, bucket_, static_cast<CURLM*>(multi_), idle_handles_, token_, stats_}, requests);
  return batch.run();
}

}  // namespace prospectd::connectors::gmail
