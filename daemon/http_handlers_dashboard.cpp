// GET /api/dashboard: what the status page shows besides sync health — prospects promoted in
// the last 7 and 30 days with the thread that promoted each, threads owed a reply (oldest
// first), prospects gone quiet. Bounded lists, cached for a few seconds.
#include <ctime>

#include "daemon/crm_json.h"
#include "daemon/http_handlers.h"
#include "daemon/http_worker_pool.h"
#include "daemon/time_format.h"

namespace prospectd::daemon {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMaxPromotions = 200;
constexpr std::int64_t kMaxListed = 25;

nlohmann::json optional_time(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::json(iso8601_utc(*value)) : nlohmann::json(nullptr);
}

nlohmann::json dashboard_document(int gone_quiet_days) {
  store::StoreReader& reader = worker_reader();
  // Windows end now; for a mailbox with no mail in the last week (an archive, the demo) they
  // end at its newest message instead, and the page says so.
  const std::int64_t now = std::time(nullptr);
  const auto newest = reader.newest_message_at();
  const bool as_of_newest = newest && *newest < now - 7 * kDay;
  const std::int64_t as_of = as_of_newest ? *newest : now;

  const auto promotions = reader.promotions("prospect", as_of - 30 * kDay, kMaxPromotions);
  nlohmann::json promoted = nlohmann::json::array();
  std::int64_t last_7_days = 0;
  for (const auto& promotion : promotions) {
    if (promotion.at >= as_of - 7 * kDay) ++last_7_days;
    promoted.push_back({{"email", promotion.email},
                        {"name", promotion.name},
                        {"stage", promotion.to},
                        {"at", iso8601_utc(promotion.at)},
                        {"thread", promotion.thread ? nlohmann::json(*promotion.thread) : nlohmann::json(nullptr)},
                        {"thread_subject", promotion.thread_subject}});
  }

  const auto owed = reader.replies_owed(kMaxListed);
  nlohmann::json owed_threads = nlohmann::json::array();
  for (const auto& thread : owed.threads) {
    owed_threads.push_back({{"id", thread.thread},
                            {"subject", thread.subject},
                            {"message_count", thread.message_count},
                            {"waiting_since", iso8601_utc(thread.waiting_since)},
                            {"contact", {{"email", thread.email}, {"name", thread.name}, {"stage", thread.stage}}}});
  }

  store::ContactQuery quiet_query;
  quiet_query.stage = "prospect";
  quiet_query.quiet_since = as_of - static_cast<std::int64_t>(gone_quiet_days) * kDay;
  quiet_query.limit = kMaxListed;
  nlohmann::json quiet = nlohmann::json::array();
  for (const auto& contact : reader.contacts(quiet_query)) {
    nlohmann::json row = contact_json(contact);
    row["last_message_at"] = optional_time(contact.last_message_at);
    quiet.push_back(std::move(row));
  }

  return {{"as_of", iso8601_utc(as_of)},
          {"as_of_newest_message", as_of_newest},
          {"gone_quiet_days", gone_quiet_days},
          {"promoted", {{"last_7_days", last_7_days},
                        {"last_30_days", promotions.size()},
                        {"truncated", promotions.size() >= static_cast<std::size_t>(kMaxPromotions)},
                        {"items", promoted}}},
          {"needs_reply", {{"total", owed.total}, {"threads", owed_threads}}},
          {"gone_quiet", {{"limit", kMaxListed}, {"contacts", quiet}}}};
}

}  // namespace

void add_dashboard_routes(httplib::Server& server, HttpContext& context) {
  server.Get("/api/dashboard", [&context](const httplib::Request&, httplib::Response& res) {
    const int days = context.options.gone_quiet_days;
    reply_json(res, 200, *context.dashboard.get([days] { return dashboard_document(days); }));
  });
}

}  // namespace prospectd::daemon
