// Names of message directions (core/direction.h).
#include "core/direction.h"

namespace prospectd::core {

const char* to_string(Direction direction) {
  switch (direction) {
    case Direction::outbound:
      return "outbound";
    case Direction::internal:
      return "internal";
    case Direction::inbound:
      return "inbound";
  }
  return "inbound";
}

std::optional<Direction> direction_from_string(std::string_view name) {
  for (const Direction direction : {Direction::outbound, Direction::internal, Direction::inbound}) {
    if (name == to_string(direction)) return direction;
  }
  return std::nullopt;
}

}  // namespace prospectd::core
