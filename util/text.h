// Small ASCII text helpers used across layers: case folding, case-insensitive comparison and
// trimming. Header values, protocol keywords and addresses are compared in ASCII on purpose
// (RFC 5322 and RFC 3501 keywords are ASCII); pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prospectd::util {

// Space, horizontal tab, CR and LF: what trim() removes unless told otherwise.
inline constexpr std::string_view kBlanks = " \t\r\n";

// One of kBlanks: a space, tab, CR or LF.
constexpr bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `text` with A-Z folded to a-z; other bytes (UTF-8 included) unchanged.
std::string ascii_lowercase(std::string_view text);

// True if `a` and `b` are equal once A-Z are folded to a-z.
bool equals_ignoring_case(std::string_view a, std::string_view b);

// True if `text` begins with `prefix`, A-Z folded on both sides.
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix);

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent bytes each count 1 ("pasword_cmd" is 1 from "password_cmd"). For suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Text from a server or a library made safe to show, log and store: every ASCII control byte
// (including CR, LF and TAB) and DEL becomes a visible \xNN escape; other bytes are kept. A
// server's error text may carry any byte (Courier's "Access denied. \x02").
std::string printable(std::string_view text);

// `size` bytes as 2 * size lowercase hex digits.
std::string lowercase_hex(const unsigned char* bytes, std::size_t size);

// `text` without leading and trailing characters from `blanks`.
std::string_view trim(std::string_view text, std::string_view blanks = kBlanks);

}  // namespace prospectd::util
