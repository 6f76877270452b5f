// Random secrets (the API token, login tickets, session cookies, CSRF tokens, the forget key):
// bytes from getrandom(2) as lowercase hex. Stateless; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace prospectd::util {

// `bytes` random bytes (at most 64) as 2 * bytes lowercase hex digits. Throws
// std::runtime_error when the kernel gives no random bytes.
std::string random_hex(std::size_t bytes);

// True when `text` is exactly `length` lowercase hex digits.
bool is_lowercase_hex(std::string_view text, std::size_t length);

}  // namespace prospectd::util
