// GET /healthz, /api/status and /metrics: the daemon's health, each account's sync state with
// live progress, and Prometheus counters. Store figures come from the cached status document.

#include "http/handlers.h"
#include "http/metrics_text.h"
#include "http/worker_pool.h"

namespace prospectd::http {
namespace {

MetricsSnapshot metrics_snapshot(HttpContext& context) {
  MetricsSnapshot snapshot;
  snapshot.counters = context.live.counters();
  const nlohmann::json status = current_status(context);
  // The same rows as numbers (the document has them as ISO 8601 text).
  std::map<std::string, std::optional<std::int64_t>> last_successes;
  try {
    last_successes = store_status(context)->last_success_at;
  } catch (const StoreUnavailable&) {
    // No store yet: nothing ever succeeded.
  }
  for (const auto& account : status["accounts"]) {
    const std::string name = account["name"].get<std::string>();
    snapshot.counters.try_emplace(name);
    AccountGauges& gauges = snapshot.gauges[name];
    gauges.syncing = account["state"] == "syncing";
    if (const auto found = last_successes.find(name); found != last_successes.end()) {
      gauges.last_success_at = found->second;
    }
    gauges.messages_stored = account["messages"].get<std::int64_t>();
  }
  for (const auto& [stage, count] : status["stages"].items()) {
    snapshot.contacts_by_stage.emplace_back(stage, count.get<std::int64_t>());
  }
  snapshot.http_requests = context.live.http_requests();
  return snapshot;
}

}  // namespace

void add_status_routes(httplib::Server& server, HttpContext& context) {
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server.Get("/api/status", [&context](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, current_status(context));
  });
  server.Get("/metrics", [&context](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(metrics_text(metrics_snapshot(context)), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace prospectd::http
