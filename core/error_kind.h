// The kinds of expected failure a connector reports, classified once where they arise; the
// scheduler's policy follows from the kind alone. Plain values; thread-safe.
#pragma once

#include <string>

namespace prospectd::core {

// transient -> retry with backoff; auth -> park the account until its credentials change;
// bad_item -> skip and count; fatal -> park the account like auth (an hour, or until a sync is
// requested or the config changes). ARCHITECTURE.md "Errors and backoff".
enum class ErrorKind { transient, auth, bad_item, fatal };

// "transient", "auth", "bad_item", "fatal": the spelling of logs and the status API.
const char* to_string(ErrorKind kind);

struct SourceError {
  ErrorKind kind;
  std::string message;  // one plain line for the user; never contains secrets
};

}  // namespace prospectd::core
