// OpenSSL's one-shot HMAC() and SHA256(): no context to keep, nothing shared between threads.
// The digests hide secrets; they are compared in constant time by their callers or used as names.
#include "util/keyed_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <climits>
#include <stdexcept>

#include "util/text.h"

namespace prospectd::util {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  if (key.size() > INT_MAX) throw std::runtime_error("HMAC key too long");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return lowercase_hex(digest.data(), length);
}

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return lowercase_hex(digest.data(), digest.size());
}

}  // namespace prospectd::util
