// GET /api/dashboard: what the status page shows besides sync health — prospects promoted in
// the last 7 and 30 days and the latest promotions with the thread that promoted each, threads
// owed a reply (oldest first), prospects gone quiet. Bounded lists, cached for a few seconds.
#include <ctime>

#include "http/handlers.h"
#include "http/worker_pool.h"
#include "util/time_format.h"
#include "views/crm_json.h"

namespace prospectd::http {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMaxPromotions = 200;
constexpr std::int64_t kMaxListed = 25;

nlohmann::json dashboard_document(int gone_quiet_days) {
  store::StoreReader& reader = worker_reader();
  const std::int64_t now = std::time(nullptr);
  // Counts for the last 7 and 30 days, and the latest promotions whenever they were (so an
  // archive or a quiet month still shows what promoted whom).
  const auto last_30_days = reader.promotions("prospect", now - 30 * kDay, kMaxPromotions);
  std::int64_t last_7_days = 0;
  for (const auto& promotion : last_30_days) last_7_days += promotion.at >= now - 7 * kDay ? 1 : 0;
  nlohmann::json promoted = nlohmann::json::array();
  for (const auto& promotion : reader.promotions("prospect", 0, kMaxListed)) {
    promoted.push_back({{"email", promotion.email},
                        {"name", promotion.name},
                        {"stage", promotion.to},
                        {"at", util::iso8601_utc(promotion.at)},
                        {"thread", promotion.thread ? nlohmann::json(*promotion.thread) : nlohmann::json(nullptr)},
                        {"thread_subject", promotion.thread_subject}});
  }

  const auto owed = reader.replies_owed(kMaxListed);
  nlohmann::json owed_threads = nlohmann::json::array();
  for (const auto& thread : owed.threads) {
    owed_threads.push_back({{"id", thread.thread},
                            {"subject", thread.subject},
                            {"message_count", thread.message_count},
                            {"waiting_since", util::iso8601_utc(thread.waiting_since)},
                            {"contact", {{"email", thread.email}, {"name", thread.name}, {"stage", thread.stage}}}});
  }

  store::ContactQuery quiet_query;
  quiet_query.stage = "prospect";
  quiet_query.quiet_since = now - static_cast<std::int64_t>(gone_quiet_days) * kDay;
  quiet_query.limit = kMaxListed;
  nlohmann::json quiet = nlohmann::json::array();
  for (const auto& contact : reader.contacts(quiet_query)) {
    nlohmann::json row = views::contact_json(contact);
    row["last_message_at"] = views::optional_time_json(contact.last_message_at);
    quiet.push_back(std::move(row));
  }

  return {{"as_of", util::iso8601_utc(now)},
          {"gone_quiet_days", gone_quiet_days},
          {"promoted",
           {{"last_7_days", last_7_days},
            {"last_30_days", last_30_days.size()},
            {"at_least", last_30_days.size() >= static_cast<std::size_t>(kMaxPromotions)},
            {"latest", promoted}}},
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

}  // namespace prospectd::http
