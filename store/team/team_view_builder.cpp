// The combined team view from the team tables' rows (store/team/team_view_builder.h).
#include "store/team/team_view_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <tuple>

#include "rules/team_stage.h"

namespace prospectd::store::team {
namespace {

std::optional<std::int64_t> last_activity(const TeamContactRep& rep) {
  if (!rep.last_inbound) return rep.last_outbound;
  if (!rep.last_outbound) return rep.last_inbound;
  return std::max(*rep.last_inbound, *rep.last_outbound);
}

// One contact from its rows (all the same email, sorted by rep).
TeamContact combine(std::span<const TeamContactRow> rows) {
  TeamContact contact;
  contact.email = rows.front().email;
  std::vector<core::Stage> stages;
  for (const TeamContactRow& row : rows) {
    contact.reps.push_back(row.rep);
    stages.push_back(core::stage_from_string(row.rep.stage).value_or(core::Stage::lead));
  }
  contact.stage = core::to_string(rules::combined_team_stage(stages));

  std::vector<const TeamContactRow*> by_activity;
  for (const TeamContactRow& row : rows) by_activity.push_back(&row);
  std::stable_sort(by_activity.begin(), by_activity.end(), [](const TeamContactRow* a, const TeamContactRow* b) {
    return last_activity(a->rep) > last_activity(b->rep);  // nullopt (never active) last
  });
  for (const TeamContactRow* row : by_activity) {
    if (contact.name.empty() && !row->name.empty()) contact.name = row->name;
    if (!contact.company && row->company) contact.company = row->company;
  }
  return contact;
}

std::optional<TeamCollision> collision(const TeamContact& contact, std::int64_t as_of) {
  TeamCollision found{contact.email, {}};
  for (const TeamContactRep& rep : contact.reps) {
    if (rules::counts_towards_collision(rep.last_outbound, as_of)) found.reps.push_back(rep.rep);
  }
  if (found.reps.size() < 2) return std::nullopt;
  return found;
}

}  // namespace

TeamView build_team_view(std::int64_t as_of, std::vector<TeamRepSummary> reps, std::vector<TeamContactRow> rows) {
  TeamView view;
  view.as_of = as_of;
  std::sort(reps.begin(), reps.end(), [](const auto& a, const auto& b) { return a.rep < b.rep; });
  view.reps = std::move(reps);

  std::sort(rows.begin(), rows.end(), [](const TeamContactRow& a, const TeamContactRow& b) {
    return std::tie(a.email, a.rep.rep) < std::tie(b.email, b.rep.rep);
  });
  struct CompanyTally {
    std::int64_t contacts = 0;
    std::set<std::string> reps;
  };
  std::map<std::string, CompanyTally> companies;
  for (auto begin = rows.begin(); begin != rows.end();) {
    const auto end =
        std::find_if(begin, rows.end(), [&](const TeamContactRow& row) { return row.email != begin->email; });
    TeamContact contact = combine(std::span<const TeamContactRow>(begin, end));
    if (auto found = collision(contact, as_of)) view.collisions.push_back(std::move(*found));
    if (contact.company) {
      CompanyTally& tally = companies[*contact.company];
      ++tally.contacts;
      for (const TeamContactRep& rep : contact.reps) tally.reps.insert(rep.rep);
    }
    view.contacts.push_back(std::move(contact));
    begin = end;
  }
  for (auto& [company, tally] : companies) {
    view.companies.push_back({company, tally.contacts, {tally.reps.begin(), tally.reps.end()}});
  }
  return view;
}

}  // namespace prospectd::store::team
