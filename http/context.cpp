// CachedDocument's refresh protocol, the JSON reply helpers, and the live status overlay
// shared by /api/status, /metrics and the dashboard.
#include "http/context.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "http/worker_pool.h"
#include "util/time_format.h"
#include "views/status_json.h"

namespace prospectd::http {

template <typename Value>
bool Cached<Value>::fresh() const {
  return document_ && valid_ && std::chrono::steady_clock::now() - taken_ < max_age_;
}

template <typename Value>
std::shared_ptr<const Value> Cached<Value>::get(const std::function<Value()>& compute) {
  bool have_old = false;
  {
    std::lock_guard lock(mutex_);
    if (fresh()) return document_;
    have_old = document_ && valid_;
  }
  std::unique_lock refresh(refresh_, std::defer_lock);
  if (have_old) {
    if (!refresh.try_lock()) {
      std::lock_guard lock(mutex_);
      return document_;  // someone else is refreshing: the previous one will do meanwhile
    }
  } else {
    refresh.lock();
  }
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    if (fresh()) return document_;
    generation = generation_;
  }
  const auto started = std::chrono::steady_clock::now();
  auto computed = std::make_shared<const Value>(compute());
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  document_ = computed;
  taken_ = now;
  max_age_ = std::clamp<std::chrono::steady_clock::duration>(10 * (now - started), min_age_, std::chrono::seconds(30));
  valid_ = generation == generation_;  // invalidated while computing: the next caller redoes it
  return computed;
}

template <typename Value>
void Cached<Value>::invalidate() {
  std::lock_guard lock(mutex_);
  valid_ = false;
  ++generation_;
}

template class Cached<nlohmann::json>;
template class Cached<StoreStatus>;

void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply_json(res, status, {{"error", message}});
}

std::optional<nlohmann::json> json_body(const httplib::Request& req, httplib::Response& res) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    reply_error(res, 400, "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

std::optional<std::int64_t> int_param(const httplib::Request& req, httplib::Response& res, const char* name,
                                      std::int64_t fallback, std::int64_t min, std::int64_t max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min) {
    reply_error(res, 400,
                std::string("parameter ") + name + " must be a whole number of at least " + std::to_string(min));
    return std::nullopt;
  }
  return std::min(value, max);
}

namespace {

StoreStatus store_status_document(const views::PublishLabels& labels) {
  store::StoreReader& reader = worker_reader();
  const std::vector<store::AccountStatus> accounts = reader.accounts();
  StoreStatus result{views::status_json(accounts, reader.totals(), reader.publish_status(), labels), {}};
  for (const auto& row : accounts) result.last_success_at[row.name] = row.last_success_at;
  nlohmann::json& status = result.document;
  // Extras the page uses to explain an error.
  for (auto& account : status["accounts"]) {
    account["last_error_kind"] = nullptr;
    account["last_attempt_at"] = nullptr;
  }
  for (auto& account : status["accounts"]) {
    for (const auto& row : accounts) {
      if (row.name != account["name"].get<std::string>()) continue;
      account["last_error_kind"] =
          row.last_error_kind.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.last_error_kind);
      account["last_attempt_at"] =
          row.last_attempt_at ? nlohmann::json(util::iso8601_utc(*row.last_attempt_at)) : nlohmann::json(nullptr);
    }
  }
  return result;
}

nlohmann::json never_synced_account(const std::string& name) {
  return {{"name", name},
          {"type", nullptr},
          {"state", "never"},
          {"last_success_at", nullptr},
          {"last_error", nullptr},
          {"last_error_kind", nullptr},
          {"last_attempt_at", nullptr},
          {"messages", 0},
          {"progress", nullptr},
          {"folders", nlohmann::json::array()}};
}

}  // namespace

std::shared_ptr<const StoreStatus> store_status(HttpContext& context) {
  return context.store_status.get([&context] { return store_status_document(context.options.publish_labels); });
}

nlohmann::json current_status(HttpContext& context) {
  nlohmann::json status;
  try {
    status = store_status(context)->document;
  } catch (const StoreUnavailable&) {
    status = views::empty_status_json();
  }
  auto& accounts = status["accounts"];
  for (const auto& name : context.options.account_names) {
    bool found = false;
    for (const auto& account : accounts) found = found || account["name"] == name;
    if (!found) accounts.push_back(never_synced_account(name));
  }
  for (auto& account : accounts) {
    const std::string name = account["name"].get<std::string>();
    if (!context.live.syncing(name)) continue;
    account["state"] = "syncing";
    const auto progress = context.live.progress_of(name);
    if (!progress) continue;
    nlohmann::json eta = nullptr;
    if (progress->rate > 0 && progress->total >= progress->done) {
      eta = std::llround(static_cast<double>(progress->total - progress->done) / progress->rate);
    }
    account["progress"] = {{"folder", progress->folder},
                           {"done", progress->done},
                           {"total", progress->total},
                           {"rate", std::round(progress->rate * 10) / 10},
                           {"eta_seconds", eta}};
  }
  status["gone_quiet_days"] = context.options.gone_quiet_days;
  return status;
}

}  // namespace prospectd::http
