// SessionStore: sessions by the digest of their cookie value, evicting the oldest beyond
// kMaxSessions so a client signing in again and again cannot grow the daemon's memory.
#include "http/session_store.h"

#include <algorithm>

#include "util/keyed_hash.h"
#include "util/random_secret.h"

namespace prospectd::http {
namespace {

constexpr std::size_t kSecretBytes = 32;

}  // namespace

SessionStore::NewSession SessionStore::create(std::uint64_t token_generation) {
  NewSession made{util::random_hex(kSecretBytes), util::random_hex(kSecretBytes)};
  const std::string key = util::sha256_hex(made.cookie_value);
  std::lock_guard lock(mutex_);
  while (sessions_.size() >= kMaxSessions) {
    const auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.created < b.second.created;
    });
    sessions_.erase(oldest);
  }
  sessions_[key] = Session{made.csrf_token, token_generation, next_created_++};
  return made;
}

SessionStore::Found SessionStore::find(std::string_view cookie_value, std::uint64_t token_generation) {
  if (!util::is_lowercase_hex(cookie_value, 2 * kSecretBytes)) return {};
  const std::string key = util::sha256_hex(cookie_value);
  std::lock_guard lock(mutex_);
  const auto found = sessions_.find(key);
  if (found == sessions_.end()) return {};
  if (found->second.token_generation != token_generation) {
    sessions_.erase(found);
    return {State::outdated, {}};
  }
  return {State::valid, found->second.csrf_token};
}

}  // namespace prospectd::http
