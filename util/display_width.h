// How wide UTF-8 text is on a terminal (wide CJK characters take two columns, combining marks
// none), and fitting it to a column without cutting a character in half. Pure; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prospectd::util {

// Terminal columns of `text` (UTF-8; an invalid byte counts as one column).
std::size_t display_width(std::string_view text);

// `text` cut to at most `width` columns at a character boundary, ending in "…" when cut, then
// padded with spaces to exactly `width` columns.
std::string fit_to_width(std::string_view text, std::size_t width);

}  // namespace prospectd::util
