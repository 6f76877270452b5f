// Classification and one-line messages for libpq failures (store/team/pg_errors.h).
#include "store/team/pg_errors.h"

#include <array>

namespace prospectd::store::team {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string_view first_meaningful_line(std::string_view message) {
  while (!message.empty()) {
    const auto end = message.find('\n');
    const std::string_view line = trim(message.substr(0, end));
    if (!line.empty()) return line;
    if (end == std::string_view::npos) break;
    message.remove_prefix(end + 1);
  }
  return {};
}

// libpq: `connection to server at "h", port 5432 failed: FATAL:  password authentication ...`.
std::string_view without_severity(std::string_view line) {
  for (const std::string_view severity : {"FATAL:", "ERROR:", "PANIC:"}) {
    const auto at = line.find(severity);
    if (at != std::string_view::npos) return trim(line.substr(at + severity.size()));
  }
  return line;
}

void replace_all(std::string& text, const std::string& secret, std::string_view replacement) {
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + replacement.size())) {
    text.replace(at, secret.size(), replacement);
  }
}

}  // namespace

core::ErrorKind classify_connection_failure(std::string_view libpq_message, bool needs_password) {
  if (needs_password) return core::ErrorKind::auth;
  static constexpr std::array kAuthTexts = {std::string_view("password authentication failed"),
                                            std::string_view("no password supplied"),
                                            std::string_view("authentication failed"),
                                            std::string_view("does not exist"),
                                            std::string_view("permission denied"),
                                            std::string_view("pg_hba.conf rejects"),
                                            std::string_view("is not permitted to log in")};
  for (const std::string_view text : kAuthTexts) {
    if (contains(libpq_message, text)) return core::ErrorKind::auth;
  }
  return core::ErrorKind::transient;
}

core::ErrorKind classify_statement_failure(std::string_view sqlstate, bool connection_lost) {
  if (sqlstate == "28000" || sqlstate == "28P01" || sqlstate == "3D000" || sqlstate == "42501") {
    return core::ErrorKind::auth;
  }
  if (connection_lost || sqlstate.empty() || sqlstate.starts_with("08") || sqlstate.starts_with("53") ||
      sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "40001" || sqlstate == "40P01") {
    return core::ErrorKind::transient;
  }
  return core::ErrorKind::fatal;
}

std::string team_error_message(std::string_view libpq_message, std::span<const std::string> secrets) {
  std::string line(without_severity(first_meaningful_line(libpq_message)));
  if (line.empty()) line = "unknown error";
  for (const std::string& secret : secrets) {
    if (!secret.empty()) replace_all(line, secret, "***");
  }
  return "team database: " + line;
}

}  // namespace prospectd::store::team
