// One-time sign-in links of `prospectd open` (ARCHITECTURE.md "Interfaces"): the CLI makes a random ticket and
// leaves a file named by its HMAC under the HTTP token in data_dir/login-tickets/; the daemon consumes the
// file. Files and the clock only, so the CLI and the daemon share nothing else; any process, any thread.
#pragma once

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

namespace prospectd::http {

inline constexpr std::chrono::seconds kLoginTicketLifetime{120};

// A new ticket (64 hex digits), valid once until `now` + kLoginTicketLifetime: writes
// data_dir/login-tickets/<HMAC-SHA256(http_token, ticket)> (directory 0700, file 0600, renamed into
// place whole) holding the expiry, and removes expired ticket files. Throws std::runtime_error naming
// the file when it cannot be written. The ticket itself is never written anywhere.
std::string issue_login_ticket(const std::filesystem::path& data_dir, std::string_view http_token, std::time_t now);

enum class TicketCheck { accepted, expired, not_valid };

// Takes the ticket's file away and says whether the ticket signs in. Only the caller whose unlink(2)
// removed the file may accept it, so a ticket works once, also with concurrent requests and across
// daemon restarts; `not_valid` for a used, forged or malformed ticket or one made under another
// HTTP token, `expired` once `now` reached its expiry. Removes expired ticket files on the way.
TicketCheck consume_login_ticket(const std::filesystem::path& data_dir, std::string_view http_token,
                                 std::string_view ticket, std::time_t now);

}  // namespace prospectd::http
