// How libpq failures become TeamErrors: the kind (transient, auth, fatal) from the SQLSTATE or
// libpq's text, and one plain message line without secrets. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/error_kind.h"

namespace prospectd::store::team {

// A failed connection attempt (no SQLSTATE from libpq): auth when the server refused the
// credentials, the database or the role; transient otherwise (refused, unreachable, starting up).
core::ErrorKind classify_connection_failure(std::string_view libpq_message, bool needs_password);

// A failed statement: class 08, 57P01..57P03, 40001/40P01, 53xxx, or a connection that is gone
// -> transient; 28000, 28P01, 3D000, 42501 -> auth; anything else (schema altered, bad data)
// -> fatal.
core::ErrorKind classify_statement_failure(std::string_view sqlstate, bool connection_lost);

// "team database: <first meaningful line of the libpq message>", without libpq's "FATAL:  " /
// "ERROR:  " prefixes and trailing newlines, with every non-empty secret replaced by "***".
std::string team_error_message(std::string_view libpq_message, std::span<const std::string> secrets);

}  // namespace prospectd::store::team
