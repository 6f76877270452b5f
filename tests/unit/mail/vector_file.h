// Loading the header test vectors of tests/data/headers/ (see SOURCES.md there) and
// turning their JSON encodings of bytes and times into C++ values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace prospectd::connectors::mail::test {

// The parsed JSON file tests/data/headers/<name>; fails the test if it cannot be read.
nlohmann::json load_vector_file(std::string_view name);

// A vector's string as bytes: plain JSON strings are UTF-8; {"$bytes_hex": ...} is
// decoded. nullopt for anything else (lists, null, Python-only encodings).
std::optional<std::string> as_bytes(const nlohmann::json& value);

// Unix seconds of a civil UTC time (proleptic Gregorian).
std::int64_t unix_from_civil(std::int64_t year, unsigned month, unsigned day, int hour, int minute, int second);

// Unix seconds of an ISO 8601 time "YYYY-MM-DDTHH:MM:SS[+HH:MM|-HH:MM|Z]"; a time
// without an offset is taken as UTC (RFC 5322 §3.3 "-0000").
std::optional<std::int64_t> unix_from_iso8601(std::string_view text);

}  // namespace prospectd::connectors::mail::test
