// host:port strings as the config writes them ("127.0.0.1:8787", "[::1]:8787", "localhost:0").
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prospectd::util {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  int port = 0;      // 0..65535
};

// Splits at the last colon; nullopt unless the host is non-empty and the port is 0..65535 in
// decimal digits.
std::optional<HostPort> parse_host_port(std::string_view text);

// The host part as written (brackets kept), everything before the last colon; the whole text
// if it has no colon.
std::string_view host_part(std::string_view text);

}  // namespace prospectd::util
