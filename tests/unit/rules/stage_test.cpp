// Stage names and order: the spellings the store and API use, and the rank rules move by.
// ARCHITECTURE.md "Stages": lead < prospect < opportunity < customer < disqualified.
#include "rules/stage.h"

#include <doctest/doctest.h>

namespace prospectd::rules {
namespace {

TEST_CASE("every stage's name reads back as that stage") {
  for (const core::Stage stage : {core::Stage::lead, core::Stage::prospect, core::Stage::opportunity,
                                  core::Stage::customer, core::Stage::disqualified}) {
    CHECK(core::stage_from_string(to_string(stage)) == stage);
  }
}

TEST_CASE("stage names are read in any case") {
  CHECK(core::stage_from_string("Opportunity") == core::Stage::opportunity);
  CHECK(core::stage_from_string("CUSTOMER") == core::Stage::customer);
  CHECK(core::stage_from_string(" prospect ") == core::Stage::prospect);
}

TEST_CASE("an unknown stage name is refused") {
  CHECK_FALSE(core::stage_from_string("").has_value());
  CHECK_FALSE(core::stage_from_string("won").has_value());
  CHECK_FALSE(core::stage_from_string("leads").has_value());
}

TEST_CASE("stages rank lead < prospect < opportunity < customer, disqualified above all") {
  CHECK(stage_rank(core::Stage::lead) == 0);
  CHECK(stage_rank(core::Stage::prospect) == 1);
  CHECK(stage_rank(core::Stage::opportunity) == 2);
  CHECK(stage_rank(core::Stage::customer) == 3);
  CHECK(stage_rank(core::Stage::disqualified) > stage_rank(core::Stage::customer));
}

}  // namespace
}  // namespace prospectd::rules
