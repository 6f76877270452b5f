// The starter configuration `prospectd init` writes: packaging/config.example.toml, compiled in
// at build time by cli/embed_example_config.cmake (so the two can never drift apart).
#pragma once

#include <string_view>

namespace prospectd::cli {

// The file's exact text (UTF-8, every key documented in comments). Static storage.
std::string_view example_config_text();

}  // namespace prospectd::cli
