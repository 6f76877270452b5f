// What the config tests share: parsing a text as a config file, and the error it raises.
// Header-only; tests only.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace prospectd::config::test {

// The ConfigError parsing `text` (as "config.toml") throws; empty if it parses.
inline std::string error_of(std::string_view text) {
  try {
    (void)parse_config(text, "config.toml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace prospectd::config::test
