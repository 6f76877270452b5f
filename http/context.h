// What the HTTP handlers of one server share: options, live status, cached documents, and the helpers every handler
// answers with. Thread-safe: members are immutable after construction or guard themselves.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http/server.h"
#include "sync/live_status.h"

namespace prospectd::http {

// A value computed from the store and reused for a while: `min_age`, or ten times as
// long as it took to compute (at most 30 s), so a big store's slow counts never take more than
// a tenth of a core. While it is merely old, one caller recomputes it and the others get the
// previous one (nobody waits on a slow query); after invalidate() callers wait for a fresh
// one, so a write through the API is seen at once.
template <typename Value>
class Cached {
 public:
  explicit Cached(std::chrono::milliseconds min_age) : min_age_(min_age), max_age_(min_age) {}
  std::shared_ptr<const Value> get(const std::function<Value()>& compute);
  void invalidate();

 private:
  bool fresh() const;  // REQUIRES: mutex_ held

  const std::chrono::milliseconds min_age_;
  std::mutex refresh_;  // held by the caller recomputing
  std::mutex mutex_;    // guards the members below
  std::shared_ptr<const Value> document_;
  std::chrono::steady_clock::time_point taken_;
  std::chrono::steady_clock::duration max_age_;
  bool valid_ = false;
  std::uint64_t generation_ = 0;
};

using CachedDocument = Cached<nlohmann::json>;

// The store's part of GET /api/status, and what /metrics needs of the same rows as numbers.
struct StoreStatus {
  nlohmann::json document;                                             // views::status_json + extras
  std::map<std::string, std::optional<std::int64_t>> last_success_at;  // by account, unix seconds
};

struct HttpContext {
  HttpContext(HttpServerOptions server_options, sync::LiveStatus& live_status, SyncRequester requester)
      : options(std::move(server_options)), live(live_status), request_sync(std::move(requester)) {}

  const HttpServerOptions options;
  sync::LiveStatus& live;
  const SyncRequester request_sync;
  std::atomic<int> port{0};
  // status_json(reader) plus per-account extras; the live overlay is added per request.
  Cached<StoreStatus> store_status{std::chrono::milliseconds(1000)};
  CachedDocument dashboard{std::chrono::milliseconds(3000)};

  // After a write through the API: the next reads recompute.
  void invalidate_caches() {
    store_status.invalidate();
    dashboard.invalidate();
  }
};

// Response helpers. Every JSON answer is UTF-8, never cached by the browser.
void reply_json(httplib::Response& res, int status, const nlohmann::json& body);
void reply_error(httplib::Response& res, int status, const std::string& message);
// The request body as a JSON object; an empty body is an empty object. nullopt (400 sent)
// when it is anything else.
std::optional<nlohmann::json> json_body(const httplib::Request& req, httplib::Response& res);

// An integer query parameter: `fallback` when absent, values above `max` clamped to it.
// Sends 400 and returns nullopt when it is not a whole number of at least `min`.
std::optional<std::int64_t> int_param(const httplib::Request& req, httplib::Response& res, const char* name,
                                      std::int64_t fallback, std::int64_t min, std::int64_t max);

// The status document of GET /api/status: the cached store part with configured accounts
// that never synced and the live progress of running syncs laid over it.
nlohmann::json current_status(HttpContext& context);

// The cached store status; throws StoreUnavailable while the store is not ready.
std::shared_ptr<const StoreStatus> store_status(HttpContext& context);

}  // namespace prospectd::http
