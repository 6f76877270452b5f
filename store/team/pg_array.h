// PostgreSQL array literals in text format ({"a","b\"c",NULL}) for array parameters that unnest
// many rows in one statement. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prospectd::store::team {

// Collects the elements of one array parameter. Every value is double-quoted with `"` and `\`
// escaped, so commas, braces, blanks, the word NULL and any UTF-8 stay data; nullopt is SQL NULL.
// NUL bytes, which PostgreSQL text cannot hold, are dropped.
class PgArrayLiteral {
 public:
  void add_text(std::string_view value);
  void add_optional_text(const std::optional<std::string>& value);
  void add_integer(std::int64_t value);
  void add_optional_integer(const std::optional<std::int64_t>& value);
  void add_bool(bool value);
  void add_null();

  // "{...}": the text to pass as a parameter cast to `text[]`, `bigint[]` or `boolean[]`.
  std::string literal() const { return body_ + "}"; }

 private:
  void separate();
  std::string body_ = "{";
  bool empty_ = true;
};

}  // namespace prospectd::store::team
