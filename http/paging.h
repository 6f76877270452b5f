// Explicit paging of the list endpoints (ARCHITECTURE.md "Interfaces"): X-Total-Count, and a
// Link rel="next" carrying a keyset cursor while more follow. Stateless; any worker thread.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace prospectd::http {

// "<number>~<text>": a cursor's sort key and tie-breaker, as the `after` parameter carries it.
std::string format_cursor(std::int64_t key, const std::string& tie_breaker);
// nullopt when `text` is not a cursor format_cursor made.
std::optional<std::pair<std::int64_t, std::string>> parse_cursor(const std::string& text);

// Sets X-Total-Count and, when `next_after` is set, Link: <path?...&after=...>; rel="next" (the
// request's other parameters kept, offset dropped), so a client follows it to the end.
void set_page_headers(const httplib::Request& req, httplib::Response& res, std::int64_t total,
                      const std::optional<std::string>& next_after);

}  // namespace prospectd::http
