// Ranks of the lifecycle stages (rules/stage.h).
#include "rules/stage.h"

namespace prospectd::rules {

int stage_rank(core::Stage stage) {
  switch (stage) {
    case core::Stage::lead:
      return 0;
    case core::Stage::prospect:
      return 1;
    case core::Stage::opportunity:
      return 2;
    case core::Stage::customer:
      return 3;
    case core::Stage::disqualified:
      return 4;
  }
  return 0;
}

}  // namespace prospectd::rules
