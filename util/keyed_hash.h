// SHA-256 and HMAC-SHA256 (RFC 2104) as lowercase hex, for secrets that are looked up or
// stored without keeping them: login tickets, session ids, forgotten addresses. Stateless; any thread.
#pragma once

#include <string>
#include <string_view>

namespace prospectd::util {

// HMAC-SHA256 of `message` under `key`, 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// SHA-256 of `text`, 64 lowercase hex digits.
std::string sha256_hex(std::string_view text);

}  // namespace prospectd::util
