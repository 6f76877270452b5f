// The Gmail REST client: concurrent GETs through one libcurl multi handle (connection reuse,
// HTTP/2 where offered), paced by the quota bucket, with every failure classified here once.
// Not thread-safe: one sync thread owns an ApiClient.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/gmail/quota_bucket.h"
#include "connectors/message_source.h"
#include "connectors/oauth/oauth.h"

namespace prospectd::connectors::gmail {

struct ApiClientOptions {
  std::string api_base = "https://gmail.googleapis.com";  // tests: the fake server
  std::string ca_file;                                    // empty: the system's trust store
  double units_per_second = kDefaultUnitsPerSecond;
  double burst_units = 100;    // saved-up units; below Google's one-second allowance
  unsigned max_in_flight = 8;  // concurrent requests
  unsigned max_attempts = 8;   // per request, for transient failures
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{32'000};
  std::chrono::seconds request_timeout{60};
  const std::atomic<bool>* cancel = nullptr;  // a shutdown interrupts waits
};

struct ApiRequest {
  Method method;
  std::string path;  // below {api_base}/gmail/v1/users/me/, with its query string
};

struct ApiResult {
  bool not_found = false;  // 404: the caller decides (history too old, message gone)
  nlohmann::json body;     // the parsed JSON answer when found
};

struct ApiStats {
  std::uint64_t requests = 0;       // sent, including retries
  std::uint64_t units = 0;          // quota units spent by those requests
  std::uint64_t quota_errors = 0;   // 429 and 403 rate-limit answers
  std::uint64_t server_errors = 0;  // 5xx, network failures, unreadable bodies
  std::uint64_t retries = 0;
  std::uint64_t token_refreshes = 0;  // after a 401
  std::uint64_t per_method[kMethodCount] = {};
};

// What to do with one HTTP answer (ARCHITECTURE.md "Errors and backoff": classify once, where it arises).
enum class Disposition {
  ok,              // 2xx with a JSON body
  not_found,       // 404
  refresh_token,   // 401: refresh the access token, then repeat
  quota_backoff,   // 429, 403 rateLimitExceeded/userRateLimitExceeded: pause, then repeat
  retry,           // 5xx, 2xx with an unreadable body: back off, then repeat
  fail_transient,  // e.g. the daily limit: retry in a later sync
  fail_auth,       // 403 insufficient permissions and the like
  fail_fatal,      // any other 4xx: our request is wrong
};

struct Classified {
  Disposition disposition;
  std::string message;                                   // Google's message, for the user
  std::optional<std::chrono::milliseconds> retry_after;  // from the header or the message
};

// `retry_after_header` is the Retry-After header's value if any (seconds or an HTTP date).
Classified classify_response(long status, std::string_view body, std::string_view retry_after_header,
                             std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

class ApiClient {
 public:
  ApiClient(ApiClientOptions options, oauth::TokenSource& tokens);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Runs the requests concurrently (at most max_in_flight, each started only when the bucket
  // has its units) and returns result i for request i. Transient failures are retried with
  // exponential backoff and jitter, never shorter than Retry-After; a 401 refreshes the token
  // and repeats. The first failure that retrying cannot mend ends the call.
  std::expected<std::vector<ApiResult>, core::SourceError> run(const std::vector<ApiRequest>& requests);
  std::expected<ApiResult, core::SourceError> call(const ApiRequest& request);

  const ApiStats& stats() const { return stats_; }

 private:
  struct Transfer;

  ApiClientOptions options_;
  oauth::TokenSource& tokens_;
  QuotaBucket bucket_;
  void* multi_ = nullptr;            // CURLM*
  std::vector<void*> idle_handles_;  // CURL*, kept for connection reuse
  std::string token_;
  ApiStats stats_;
};

}  // namespace prospectd::connectors::gmail
