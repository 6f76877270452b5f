// Which way a message went, as seen from the rep: one type for the whole program, with the
// spelling the store keeps. Plain values and pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace prospectd::core {

// outbound: from one of the rep's own addresses; internal: from a colleague; inbound: anyone else.
enum class Direction { outbound, internal, inbound };

// "outbound", "internal", "inbound": the spelling the store and the JSON API use.
const char* to_string(Direction direction);

// The direction spelled `name` (exactly as to_string spells it); nullopt otherwise.
std::optional<Direction> direction_from_string(std::string_view name);

}  // namespace prospectd::core
