// Conversions between SQLite values and the store's C++ values that several store files need:
// optional integers (NULL when absent) and message directions. Private to store/; thread-safe.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/direction.h"

namespace prospectd::store {

// Binds `value`, or NULL when it is absent.
inline void bind_optional(SQLite::Statement& statement, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

// The column's integer, or nullopt for NULL.
inline std::optional<std::int64_t> optional_int(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

// The column's text, or nullopt for NULL.
inline std::optional<std::string> optional_text(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

// A BLOB (or TEXT) column's bytes, valid until the statement steps or resets.
inline std::string_view blob_view(const SQLite::Column& column) {
  return {static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes())};
}

// A stored direction; the schema's CHECK constraint admits only the three spellings.
inline core::Direction stored_direction(std::string_view text) {
  return core::direction_from_string(text).value_or(core::Direction::inbound);
}

}  // namespace prospectd::store
