// Names of message directions (core/direction.h).
#include "core/direction.h"

#include "util/enum_names.h"

namespace prospectd::core {

// In Direction's declaration order (util::enum_name).
constexpr std::array<const char*, 3> kDirectionNames = {"outbound", "internal", "inbound"};

const char* to_string(Direction direction) { return util::enum_name(direction, kDirectionNames, "inbound"); }

std::optional<Direction> direction_from_string(std::string_view name) {
  for (const Direction direction : {Direction::outbound, Direction::internal, Direction::inbound}) {
    if (name == to_string(direction)) return direction;
  }
  return std::nullopt;
}

}  // namespace prospectd::core
