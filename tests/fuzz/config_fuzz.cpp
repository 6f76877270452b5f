// libFuzzer entry point for the config loader: arbitrary text must yield a Config or a
// ConfigError; any other exception, crash or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const prospectd::config::Config config = prospectd::config::parse_config(text, "fuzz.toml");
    (void)config.find_account("work");
  } catch (const prospectd::config::ConfigError&) {
    // Expected: the file is wrong and the message says where.
  }
  // Durations are read from the same text in the config; the parser must take any bytes.
  (void)prospectd::config::parse_duration(text);
  return 0;
}
