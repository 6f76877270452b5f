// The team view document's shape: field names, ISO 8601 times, nulls (ARCHITECTURE.md "Team").
#include "views/team_json.h"

#include <doctest/doctest.h>

namespace prospectd::views {
namespace {

TEST_CASE("the team view document has the contract's fields") {
  store::team::TeamView view;
  view.as_of = 1'700'000'000;
  view.reps = {{"alice", 1, 1'700'000'000}, {"bob", 0, std::nullopt}};
  view.contacts = {
      {"a@x.example", "", std::nullopt, "prospect", {{"alice", "prospect", 1'699'999'000, std::nullopt, 2}}}};
  view.companies = {{"Acme", 3, {"alice", "bob"}}};
  view.collisions = {{"a@x.example", {"alice", "bob"}}};
  const nlohmann::json document = team_view_json(view);
  CHECK(document["as_of"] == "2023-11-14T22:13:20Z");
  CHECK(document["reps"][0] ==
        nlohmann::json({{"rep", "alice"}, {"contacts", 1}, {"last_publish_at", "2023-11-14T22:13:20Z"}}));
  CHECK(document["reps"][1]["last_publish_at"].is_null());
  const nlohmann::json& contact = document["contacts"][0];
  CHECK(contact["name"].is_null());
  CHECK(contact["company"].is_null());
  CHECK(contact["stage"] == "prospect");
  CHECK(contact["reps"][0] == nlohmann::json({{"rep", "alice"},
                                              {"stage", "prospect"},
                                              {"last_inbound", "2023-11-14T21:56:40Z"},
                                              {"last_outbound", nullptr},
                                              {"thread_count", 2}}));
  CHECK(document["companies"][0] == nlohmann::json({{"company", "Acme"}, {"contacts", 3}, {"reps", {"alice", "bob"}}}));
  CHECK(document["collisions"][0] == nlohmann::json({{"email", "a@x.example"}, {"reps", {"alice", "bob"}}}));
}

TEST_CASE("an empty team view has empty lists") {
  const nlohmann::json document = team_view_json({});
  CHECK(document["reps"].is_array());
  CHECK(document["contacts"].empty());
  CHECK(document["companies"].empty());
  CHECK(document["collisions"].empty());
}

}  // namespace
}  // namespace prospectd::views
