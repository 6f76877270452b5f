// random_hex: getrandom(2) without flags blocks only until the kernel's pool is first
// initialised, so every secret is unpredictable even right after boot.
#include "util/random_secret.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace prospectd::util {

std::string random_hex(std::size_t bytes) {
  std::array<unsigned char, 64> buffer{};
  if (bytes > buffer.size()) throw std::runtime_error("random_hex: at most 64 bytes");
  std::size_t filled = 0;
  while (filled < bytes) {
    const ssize_t got = getrandom(buffer.data() + filled, bytes - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("cannot get random bytes: ") + std::strerror(errno));
    }
    filled += static_cast<std::size_t>(got);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * bytes);
  for (std::size_t i = 0; i < bytes; ++i) {
    hex += kDigits[buffer[i] >> 4];
    hex += kDigits[buffer[i] & 0x0f];
  }
  return hex;
}

bool is_lowercase_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace prospectd::util
