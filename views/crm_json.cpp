// Contact, thread and history documents; times are ISO 8601 UTC, null when unknown.
// Field names are the contract of ARCHITECTURE.md "Interfaces" — change them only with README.md.
#include "views/crm_json.h"

#include "util/time_format.h"

namespace prospectd::views {

nlohmann::json optional_time_json(const std::optional<std::int64_t>& unix_seconds) {
  return unix_seconds ? nlohmann::json(util::iso8601_utc(*unix_seconds)) : nlohmann::json(nullptr);
}

nlohmann::json contact_json(const store::ContactRow& contact) {
  return {{"email", contact.email},
          {"name", contact.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(contact.name)},
          {"company", contact.company ? nlohmann::json(*contact.company) : nlohmann::json(nullptr)},
          {"stage", contact.stage},
          {"thread_count", contact.thread_count},
          {"inbound_count", contact.inbound_count},
          {"outbound_count", contact.outbound_count},
          {"first_seen", optional_time_json(contact.first_seen)},
          {"last_inbound", optional_time_json(contact.last_inbound)},
          {"last_outbound", optional_time_json(contact.last_outbound)},
          {"needs_reply", contact.needs_reply}};
}

nlohmann::json contact_detail_json(const store::ContactDetail& detail) {
  nlohmann::json document = contact_json(detail.contact);
  document["variants"] = detail.variants;
  document["last_message_at"] = optional_time_json(detail.contact.last_message_at);
  nlohmann::json threads = nlohmann::json::array();
  for (const auto& thread : detail.threads) {
    threads.push_back({{"id", thread.id},
                       {"subject", thread.subject},
                       {"message_count", thread.message_count},
                       {"last_message_at", optional_time_json(thread.last_message_at)},
                       {"needs_reply", thread.needs_reply}});
  }
  document["threads"] = threads;
  nlohmann::json history = nlohmann::json::array();
  for (const auto& event : detail.history) {
    history.push_back(
        {{"from", event.from ? nlohmann::json(*event.from) : nlohmann::json(nullptr)},
         {"to", event.to},
         {"at", util::iso8601_utc(event.at)},
         {"actor", event.actor},
         {"rule", event.rule.empty() ? nlohmann::json(nullptr) : nlohmann::json(event.rule)},
         {"thread", event.thread ? nlohmann::json(*event.thread) : nlohmann::json(nullptr)},
         {"message_id", event.message_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(event.message_id)},
         {"note", event.note.empty() ? nlohmann::json(nullptr) : nlohmann::json(event.note)}});
  }
  document["history"] = history;
  return document;
}

nlohmann::json thread_json(const store::ThreadSummary& thread) {
  return {{"id", thread.id},
          {"subject", thread.subject},
          {"message_count", thread.message_count},
          {"message_ids", thread.message_ids},
          {"participants", thread.participants},
          {"first_message_at", optional_time_json(thread.first_message_at)},
          {"last_message_at", optional_time_json(thread.last_message_at)},
          {"needs_reply", thread.needs_reply}};
}

nlohmann::json stage_counts_json(const store::StoreTotals& totals) {
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [stage, count] : totals.stages) stages[stage] = count;
  return stages;
}

}  // namespace prospectd::views
