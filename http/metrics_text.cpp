// Writes each metric family once with its HELP and TYPE lines, label values escaped as the
// exposition format requires (backslash, double quote, newline).
#include "http/metrics_text.h"

#include <cstdio>

namespace prospectd::http {
namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, const std::vector<std::pair<const char*, std::string>>& labels,
              const std::string& value) {
    text_ += name;
    if (!labels.empty()) {
      text_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) text_ += ',';
        text_ += std::string(labels[i].first) + "=\"" + escape_label(labels[i].second) + "\"";
      }
      text_ += '}';
    }
    text_ += ' ' + value + '\n';
  }
  // A family with one sample per account: value_of(entry) for each account's entry in `by_account`.
  template <typename ByAccount, typename ValueOf>
  void per_account(const char* name, const char* type, const char* help, const ByAccount& by_account,
                   ValueOf value_of) {
    family(name, type, help);
    for (const auto& [account, entry] : by_account) sample(name, {{"account", account}}, value_of(entry));
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace

std::string metrics_text(const MetricsSnapshot& snapshot) {
  Writer out;
  out.per_account("prospectd_sync_runs_total", "counter", "Sync passes finished since the daemon started.",
                  snapshot.counters, [](const auto& counters) { return std::to_string(counters.sync_runs); });
  out.per_account("prospectd_sync_failures_total", "counter", "Sync passes that ended in an error.", snapshot.counters,
                  [](const auto& counters) { return std::to_string(counters.sync_failures); });
  out.family("prospectd_sync_duration_seconds", "summary", "Time spent in sync passes.");
  for (const auto& [account, counters] : snapshot.counters) {
    out.sample("prospectd_sync_duration_seconds_sum", {{"account", account}}, number(counters.sync_seconds_total));
    out.sample("prospectd_sync_duration_seconds_count", {{"account", account}}, std::to_string(counters.sync_runs));
  }
  out.per_account("prospectd_messages_fetched_total", "counter", "Message headers fetched from the mail server.",
                  snapshot.counters, [](const auto& counters) { return std::to_string(counters.messages_fetched); });
  out.family("prospectd_sync_errors_total", "counter", "Sync errors by kind (transient, auth, bad_item, fatal).");
  for (const auto& [account, counters] : snapshot.counters) {
    for (const auto& [kind, count] : counters.errors_by_kind) {
      out.sample("prospectd_sync_errors_total", {{"account", account}, {"kind", kind}}, std::to_string(count));
    }
  }
  out.per_account("prospectd_sync_in_progress", "gauge", "1 while the account is syncing.", snapshot.gauges,
                  [](const auto& gauges) { return gauges.syncing ? "1" : "0"; });
  out.family("prospectd_last_sync_success_timestamp_seconds", "gauge",
             "Unix time of the account's last successful sync.");
  for (const auto& [account, gauges] : snapshot.gauges) {
    if (gauges.last_success_at) {
      out.sample("prospectd_last_sync_success_timestamp_seconds", {{"account", account}},
                 std::to_string(*gauges.last_success_at));
    }
  }
  out.per_account("prospectd_messages_stored", "gauge", "Distinct messages stored for the account.", snapshot.gauges,
                  [](const auto& gauges) { return std::to_string(gauges.messages_stored); });
  out.family("prospectd_contacts", "gauge", "Contacts by lifecycle stage.");
  for (const auto& [stage, count] : snapshot.contacts_by_stage) {
    out.sample("prospectd_contacts", {{"stage", stage}}, std::to_string(count));
  }
  out.family("prospectd_http_requests_total", "counter", "HTTP requests by route and status code.");
  for (const auto& [key, count] : snapshot.http_requests) {
    out.sample("prospectd_http_requests_total", {{"route", key.first}, {"code", std::to_string(key.second)}},
               std::to_string(count));
  }
  return out.take();
}

}  // namespace prospectd::http
