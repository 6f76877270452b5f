// OpenSSL's one-shot HMAC() and SHA256(): no context to keep, nothing shared between threads.
// The digests hide secrets; they are compared in constant time by their callers or used as names.
#include "util/keyed_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <climits>
#include <stdexcept>

namespace prospectd::util {
namespace {

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  if (key.size() > INT_MAX) throw std::runtime_error("HMAC key too long");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return to_hex(digest.data(), length);
}

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return to_hex(digest.data(), digest.size());
}

}  // namespace prospectd::util
