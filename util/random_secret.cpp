// random_hex: getrandom(2) without flags blocks only until the kernel's pool is first
// initialised, so every secret is unpredictable even right after boot.
#include "util/random_secret.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/text.h"

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
  return lowercase_hex(buffer.data(), bytes);
}

bool is_lowercase_hex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace prospectd::util
