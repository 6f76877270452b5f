// Browser sessions of the status page (ARCHITECTURE.md "Interfaces"): a random cookie value and a CSRF
// token each, kept only in this daemon's memory, so a restart ends them all. Owned by HttpServer; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace prospectd::http {

class SessionStore {
 public:
  static constexpr std::size_t kMaxSessions = 64;  // beyond it the oldest session ends

  struct NewSession {
    std::string cookie_value;  // 64 hex digits, for Set-Cookie only
    std::string csrf_token;    // 64 hex digits
  };
  enum class State { valid, unknown, outdated };
  struct Found {
    State state = State::unknown;
    std::string csrf_token;  // set when valid
  };

  // A new session, signed in under the HTTP token of `token_generation`.
  NewSession create(std::uint64_t token_generation);

  // The session of a cookie value: `outdated` (and forgotten) when it was signed in under an
  // older HTTP token, `unknown` when there is none (never made, or before a restart).
  Found find(std::string_view cookie_value, std::uint64_t token_generation);

 private:
  struct Session {
    std::string csrf_token;
    std::uint64_t token_generation = 0;
    std::uint64_t created = 0;  // order of creation
  };

  std::mutex mutex_;  // guards the members below
  // Keyed by the SHA-256 of the cookie value: the lookup compares digests, never the secret itself.
  std::map<std::string, Session> sessions_;
  std::uint64_t next_created_ = 0;
};

}  // namespace prospectd::http
