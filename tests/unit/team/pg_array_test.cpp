// PostgreSQL text array literals: every value quoted and escaped, NULL only for missing values.
#include "store/team/pg_array.h"

#include <doctest/doctest.h>

namespace prospectd::store::team {
namespace {

TEST_CASE("an empty array") { CHECK(PgArrayLiteral().literal() == "{}"); }

TEST_CASE("text values are quoted, quotes and backslashes escaped, NUL bytes dropped") {
  PgArrayLiteral array;
  array.add_text("plain");
  array.add_text("a \"quoted\" \\ back, {brace}");
  array.add_text("NULL");
  array.add_text("");
  array.add_text(std::string("nul\0byte", 8));
  array.add_optional_text(std::nullopt);
  array.add_text("Zo\u00eb \u65e5\u672c");
  CHECK(array.literal() ==
        "{\"plain\",\"a \\\"quoted\\\" \\\\ back, {brace}\",\"NULL\",\"\",\"nulbyte\",NULL,\"Zo\u00eb \u65e5\u672c\"}");
}

TEST_CASE("integers, missing integers and booleans") {
  PgArrayLiteral array;
  array.add_integer(-5);
  array.add_optional_integer(std::nullopt);
  array.add_optional_integer(1'700'000'000);
  CHECK(array.literal() == "{-5,NULL,1700000000}");
  PgArrayLiteral flags;
  flags.add_bool(true);
  flags.add_bool(false);
  CHECK(flags.literal() == "{t,f}");
}

}  // namespace
}  // namespace prospectd::store::team
