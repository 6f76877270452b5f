// `prospectd forget EMAIL`: erase a person from the store for good (ARCHITECTURE.md
// "Contacts"). Main thread.
#pragma once

#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct ForgetCommandOptions {
  std::string email;
};

// Exit 0 when forgotten; 1 and one line for an address the store never saw (nothing changes).
int run_forget_command(const config::Config& config, const ForgetCommandOptions& options);

}  // namespace prospectd::cli
