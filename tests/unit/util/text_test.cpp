// util/text.h: ASCII case folding and comparison, trimming, edit distance, printable text.
#include "util/text.h"

#include <doctest/doctest.h>

#include <array>

#include "util/enum_names.h"

namespace prospectd::util {
namespace {

TEST_CASE("case folding touches A-Z only") {
  CHECK(ascii_lowercase("Jane.DOE+Tag@Example.COM") == "jane.doe+tag@example.com");
  CHECK(ascii_lowercase("\xC3\x84RGER") == "\xC3\x84rger");  // UTF-8 bytes are kept as they are
  CHECK(equals_ignoring_case("X-GM-EXT-1", "x-gm-ext-1"));
  CHECK_FALSE(equals_ignoring_case("IDLE", "IDLER"));
  CHECK_FALSE(equals_ignoring_case("[", "{"));  // '[' + 32 is '{': only letters fold
  CHECK(starts_with_ignoring_case("Bearer abc", "bearer "));
  CHECK_FALSE(starts_with_ignoring_case("Bear", "bearer "));
}

TEST_CASE("trim removes the given blanks at both ends only") {
  CHECK(trim("  \t jane@example.com \r\n") == "jane@example.com");
  CHECK(trim(" a b ") == "a b");
  CHECK(trim(" \t\r\n").empty());
  CHECK(trim("\r auto-replied \t", " \t") == "\r auto-replied");
}

TEST_CASE("edit distance counts insertions, deletions, substitutions and adjacent swaps") {
  CHECK(edit_distance("password_cmd", "password_cmd") == 0);
  CHECK(edit_distance("pasword_cmd", "password_cmd") == 1);
  CHECK(edit_distance("usernmae", "username") == 1);
  CHECK(edit_distance("datadir", "data_dir") == 1);
  CHECK(edit_distance("listen", "folders") > 3);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("server text is made printable: control bytes become visible escapes") {
  CHECK(printable("Access denied. \x02") == "Access denied. \\x02");
  CHECK(printable("line\r\nA1 NO\t\x7f") == "line\\x0d\\x0aA1 NO\\x09\\x7f");
  CHECK(printable("Ca va, J\xC3\xA9r\xC3\xB4me") == "Ca va, J\xC3\xA9r\xC3\xB4me");
}

enum class Colour { red, green };
constexpr std::array<const char*, 2> kColourNames = {"red", "green"};

TEST_CASE("an enumerator's name comes from its table, with a fallback outside it") {
  CHECK(std::string(enum_name(Colour::green, kColourNames, "?")) == "green");
  CHECK(std::string(enum_name(static_cast<Colour>(7), kColourNames, "?")) == "?");
}

}  // namespace
}  // namespace prospectd::util
