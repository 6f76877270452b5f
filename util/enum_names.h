// The name of an enumerator from a table in declaration order: one helper for the to_string
// functions of the program's small enums. Pure; thread-safe.
#pragma once

#include <array>
#include <cstddef>

namespace prospectd::util {

// names[i] is the name of the enumerator whose value is i (enumerators 0, 1, 2, ... in
// declaration order); `fallback` for a value outside the table.
template <typename Enum, std::size_t N>
constexpr const char* enum_name(Enum value, const std::array<const char*, N>& names, const char* fallback) {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? names[index] : fallback;
}

}  // namespace prospectd::util
