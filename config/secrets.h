// Resolves a SecretSource (command, file, environment variable) to the secret it names.
// The secret is returned to the caller only; it is never logged or stored.
#pragma once

#include <expected>
#include <string>

#include "config/config.h"

namespace prospectd::config {

// The secret, with one trailing newline removed; or a message that names the config key
// (never the secret's value).
std::expected<std::string, std::string> resolve_secret(const SecretSource& source);

// The same for a secret that may be absent (an OAuth public client has no client secret): an
// empty string when none is configured.
std::expected<std::string, std::string> resolve_optional_secret(const SecretSource& source);

}  // namespace prospectd::config
