// The team view's assembly from table rows: combined stage, name, companies, collisions, orders.
#include "store/team/team_view_builder.h"

#include <doctest/doctest.h>

namespace prospectd::store::team {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 24 * 60 * 60;

TeamContactRow row(std::string email, std::string rep, std::string stage, std::optional<std::int64_t> last_outbound,
                   std::string name = "", std::optional<std::string> company = std::nullopt) {
  return {std::move(email), std::move(name), std::move(company),
          TeamContactRep{std::move(rep), std::move(stage), std::nullopt, last_outbound, 1}};
}

TEST_CASE("contacts are grouped by email with their reps, sorted, and the furthest stage") {
  const TeamView view =
      build_team_view(kNow, {{"bob", 1, kNow}, {"alice", 2, std::nullopt}},
                      {row("z@x.example", "alice", "lead", std::nullopt), row("a@x.example", "bob", "opportunity", 1),
                       row("a@x.example", "alice", "disqualified", 2)});
  REQUIRE(view.reps.size() == 2);
  CHECK(view.reps[0].rep == "alice");
  REQUIRE(view.contacts.size() == 2);
  CHECK(view.contacts[0].email == "a@x.example");
  CHECK(view.contacts[0].stage == "opportunity");
  REQUIRE(view.contacts[0].reps.size() == 2);
  CHECK(view.contacts[0].reps[0].rep == "alice");
  CHECK(view.contacts[1].stage == "lead");
}

TEST_CASE("the name and company come from the most recently active rep that has one") {
  const TeamView view = build_team_view(
      kNow, {},
      {row("a@x.example", "alice", "lead", 100, "Old Name", "Old Co"), row("a@x.example", "bob", "lead", 200, ""),
       row("a@x.example", "carol", "lead", 150, "Newer Name")});
  REQUIRE(view.contacts.size() == 1);
  CHECK(view.contacts[0].name == "Newer Name");
  CHECK(view.contacts[0].company == "Old Co");
}

TEST_CASE("companies count their contacts and list their reps") {
  const TeamView view = build_team_view(
      kNow, {},
      {row("a@acme.example", "bob", "lead", 1, "", "Acme"), row("b@acme.example", "alice", "lead", 1, "", "Acme"),
       row("b@acme.example", "bob", "lead", 1, "", "Acme"), row("c@solo.example", "carol", "lead", 1)});
  REQUIRE(view.companies.size() == 1);
  CHECK(view.companies[0].company == "Acme");
  CHECK(view.companies[0].contacts == 2);
  CHECK(view.companies[0].reps == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("a collision needs two reps writing within 30 days") {
  const TeamView view = build_team_view(
      kNow, {},
      {row("a@x.example", "alice", "lead", kNow - kDay), row("a@x.example", "bob", "lead", kNow - 30 * kDay),
       row("a@x.example", "carol", "lead", kNow - 31 * kDay), row("b@x.example", "alice", "lead", kNow - kDay),
       row("b@x.example", "bob", "lead", kNow - 31 * kDay), row("c@x.example", "alice", "lead", kNow - kDay)});
  REQUIRE(view.collisions.size() == 1);
  CHECK(view.collisions[0].email == "a@x.example");
  CHECK(view.collisions[0].reps == std::vector<std::string>{"alice", "bob"});
}

}  // namespace
}  // namespace prospectd::store::team
