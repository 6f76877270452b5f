// Cursor text and the paging headers; the query string is rebuilt with httplib's encoder.
#include "http/paging.h"

#include <charconv>

namespace prospectd::http {

std::string format_cursor(std::int64_t key, const std::string& tie_breaker) {
  return std::to_string(key) + "~" + tie_breaker;
}

std::optional<std::pair<std::int64_t, std::string>> parse_cursor(const std::string& text) {
  const auto separator = text.find('~');
  if (separator == std::string::npos || separator == 0) return std::nullopt;
  std::int64_t key = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + separator, key);
  if (error != std::errc() || end != text.data() + separator) return std::nullopt;
  return std::pair{key, text.substr(separator + 1)};
}

void set_page_headers(const httplib::Request& req, httplib::Response& res, std::int64_t total,
                      const std::optional<std::string>& next_after) {
  res.set_header("X-Total-Count", std::to_string(total));
  if (!next_after) return;
  std::string query;
  for (const auto& [name, value] : req.params) {
    if (name == "after" || name == "offset") continue;
    query += (query.empty() ? "" : "&") + httplib::detail::encode_query_param(name) + "=" +
             httplib::detail::encode_query_param(value);
  }
  query += (query.empty() ? "" : "&") + std::string("after=") + httplib::detail::encode_query_param(*next_after);
  res.set_header("Link", "<" + req.path + "?" + query + ">; rel=\"next\"");
}

}  // namespace prospectd::http
