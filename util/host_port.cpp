// Parsing of host:port strings (util/host_port.h).
#include "util/host_port.h"

namespace prospectd::util {

std::string_view host_part(std::string_view text) {
  const auto colon = text.rfind(':');
  return colon == std::string_view::npos ? text : text.substr(0, colon);
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || port.empty() || port.size() > 5) return std::nullopt;
  int value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return std::nullopt;
  return HostPort{std::string(host), value};
}

}  // namespace prospectd::util
