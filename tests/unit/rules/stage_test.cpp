// Stage names and order: the spellings the store and API use, and the rank rules move by.
// DESIGN §2 "lead / prospect / opportunity / customer / disqualified".
#include "rules/stage.h"

#include <doctest/doctest.h>

namespace prospectd::rules {
namespace {

TEST_CASE("every stage's name reads back as that stage") {
  for (const Stage stage : {Stage::lead, Stage::prospect, Stage::opportunity, Stage::customer, Stage::disqualified}) {
    CHECK(stage_from_string(to_string(stage)) == stage);
  }
}

TEST_CASE("stage names are read in any case") {
  CHECK(stage_from_string("Opportunity") == Stage::opportunity);
  CHECK(stage_from_string("CUSTOMER") == Stage::customer);
  CHECK(stage_from_string(" prospect ") == Stage::prospect);
}

TEST_CASE("an unknown stage name is refused") {
  CHECK_FALSE(stage_from_string("").has_value());
  CHECK_FALSE(stage_from_string("won").has_value());
  CHECK_FALSE(stage_from_string("leads").has_value());
}

TEST_CASE("stages rank lead < prospect < opportunity < customer, disqualified above all") {
  CHECK(stage_rank(Stage::lead) == 0);
  CHECK(stage_rank(Stage::prospect) == 1);
  CHECK(stage_rank(Stage::opportunity) == 2);
  CHECK(stage_rank(Stage::customer) == 3);
  CHECK(stage_rank(Stage::disqualified) > stage_rank(Stage::customer));
}

}  // namespace
}  // namespace prospectd::rules
