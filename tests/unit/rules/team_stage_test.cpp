// The team's combined stage: the furthest stage of any rep, disqualified only if all reps say so.
// ARCHITECTURE.md "Team".
#include "rules/team_stage.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

namespace prospectd::rules {
namespace {

using core::Stage;

Stage combined(std::vector<Stage> stages) { return combined_team_stage(stages); }

TEST_CASE("one rep's stage is the team's stage") {
  for (const Stage stage : core::kAllStages) CHECK(combined({stage}) == stage);
}

TEST_CASE("the furthest stage of any rep wins") {
  CHECK(combined({Stage::lead, Stage::opportunity, Stage::prospect}) == Stage::opportunity);
  CHECK(combined({Stage::customer, Stage::lead}) == Stage::customer);
  CHECK(combined({Stage::prospect, Stage::prospect}) == Stage::prospect);
}

TEST_CASE("disqualified counts only when every rep says so") {
  CHECK(combined({Stage::disqualified, Stage::lead}) == Stage::lead);
  CHECK(combined({Stage::customer, Stage::disqualified}) == Stage::customer);
  CHECK(combined({Stage::disqualified, Stage::disqualified}) == Stage::disqualified);
}

TEST_CASE("no stages at all is a programming error") { CHECK_THROWS_AS(combined({}), std::invalid_argument); }

TEST_CASE("an outbound message counts towards a collision for 30 days") {
  const std::int64_t as_of = 1'800'000'000;
  const std::int64_t day = 24 * 60 * 60;
  CHECK(counts_towards_collision(as_of - day, as_of));
  CHECK(counts_towards_collision(as_of - 30 * day, as_of));
  CHECK_FALSE(counts_towards_collision(as_of - 30 * day - 1, as_of));
  CHECK_FALSE(counts_towards_collision(as_of - 31 * day, as_of));
  CHECK_FALSE(counts_towards_collision(std::nullopt, as_of));
  CHECK(counts_towards_collision(as_of + 60, as_of));  // a rep's clock a minute ahead
}

}  // namespace
}  // namespace prospectd::rules
