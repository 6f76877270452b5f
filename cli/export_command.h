// `prospectd export --format csv|jsonl [--stage S]`: every contact (blocked ones excepted), by
// address, to stdout for spreadsheets and CRM imports. Main thread.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct ExportCommandOptions {
  std::string format = "csv";        // csv | jsonl
  std::optional<std::string> stage;  // only this stage
};

// Exit 0 when written (a header-only CSV, or nothing for JSON Lines, before the first sync); 1
// when stdout could not be written. An unknown format or stage is a ConfigError.
int run_export_command(const config::Config& config, const ExportCommandOptions& options);

}  // namespace prospectd::cli
