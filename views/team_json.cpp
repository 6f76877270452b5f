// The team view document; field names are the contract of ARCHITECTURE.md "Team".
#include "views/team_json.h"

#include "util/time_format.h"
#include "views/crm_json.h"

namespace prospectd::views {
namespace {

nlohmann::json optional_text_json(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

nlohmann::json contact_reps_json(const std::vector<store::team::TeamContactRep>& reps) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& rep : reps) {
    list.push_back({{"rep", rep.rep},
                    {"stage", rep.stage},
                    {"last_inbound", optional_time_json(rep.last_inbound)},
                    {"last_outbound", optional_time_json(rep.last_outbound)},
                    {"thread_count", rep.thread_count}});
  }
  return list;
}

}  // namespace

nlohmann::json team_view_json(const store::team::TeamView& view) {
  nlohmann::json reps = nlohmann::json::array();
  for (const auto& rep : view.reps) {
    reps.push_back(
        {{"rep", rep.rep}, {"contacts", rep.contacts}, {"last_publish_at", optional_time_json(rep.last_publish_at)}});
  }
  nlohmann::json contacts = nlohmann::json::array();
  for (const auto& contact : view.contacts) {
    contacts.push_back({{"email", contact.email},
                        {"name", contact.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(contact.name)},
                        {"company", optional_text_json(contact.company)},
                        {"stage", contact.stage},
                        {"reps", contact_reps_json(contact.reps)}});
  }
  nlohmann::json companies = nlohmann::json::array();
  for (const auto& company : view.companies) {
    companies.push_back({{"company", company.company}, {"contacts", company.contacts}, {"reps", company.reps}});
  }
  nlohmann::json collisions = nlohmann::json::array();
  for (const auto& collision : view.collisions) {
    collisions.push_back({{"email", collision.email}, {"reps", collision.reps}});
  }
  return {{"as_of", util::iso8601_utc(view.as_of)},
          {"reps", reps},
          {"contacts", contacts},
          {"companies", companies},
          {"collisions", collisions}};
}

}  // namespace prospectd::views
