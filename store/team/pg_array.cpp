// Text-format PostgreSQL array literals (store/team/pg_array.h).
#include "store/team/pg_array.h"

namespace prospectd::store::team {

void PgArrayLiteral::separate() {
  if (!empty_) body_ += ',';
  empty_ = false;
}

void PgArrayLiteral::add_text(std::string_view value) {
  separate();
  body_ += '"';
  for (const char c : value) {
    if (c == '\0') continue;
    if (c == '"' || c == '\\') body_ += '\\';
    body_ += c;
  }
  body_ += '"';
}

void PgArrayLiteral::add_optional_text(const std::optional<std::string>& value) {
  if (value) {
    add_text(*value);
  } else {
    add_null();
  }
}

void PgArrayLiteral::add_integer(std::int64_t value) {
  separate();
  body_ += std::to_string(value);
}

void PgArrayLiteral::add_optional_integer(const std::optional<std::int64_t>& value) {
  if (value) {
    add_integer(*value);
  } else {
    add_null();
  }
}

void PgArrayLiteral::add_bool(bool value) {
  separate();
  body_ += value ? "t" : "f";
}

void PgArrayLiteral::add_null() {
  separate();
  body_ += "NULL";
}

}  // namespace prospectd::store::team
