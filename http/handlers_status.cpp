// GET /healthz, /api/status and /metrics: the daemon's health, each account's sync state with
// live progress, and Prometheus counters. Store figures come from the cached status document.
#include <cstdio>
#include <ctime>

#include "http/handlers.h"
#include "http/metrics_text.h"

namespace prospectd::http {
namespace {

std::optional<std::int64_t> unix_time(const nlohmann::json& iso) {
  if (!iso.is_string()) return std::nullopt;
  std::tm parts{};
  const std::string text = iso.get<std::string>();
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &parts.tm_year, &parts.tm_mon, &parts.tm_mday, &parts.tm_hour,
                  &parts.tm_min, &parts.tm_sec) != 6) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&parts));
}

MetricsSnapshot metrics_snapshot(HttpContext& context) {
  MetricsSnapshot snapshot;
  snapshot.counters = context.live.counters();
  const nlohmann::json status = current_status(context);
  for (const auto& account : status["accounts"]) {
    const std::string name = account["name"].get<std::string>();
    snapshot.counters.try_emplace(name);
    AccountGauges& gauges = snapshot.gauges[name];
    gauges.syncing = account["state"] == "syncing";
    gauges.last_success_at = unix_time(account["last_success_at"]);
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
