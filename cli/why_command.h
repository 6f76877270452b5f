// `prospectd why EMAIL [--json]`: why an address is or is not a contact, with a message that
// shows it (ARCHITECTURE.md "Contacts"). Main thread.
#pragma once

#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct WhyCommandOptions {
  std::string email;
  bool json = false;
};

// Exit 0 whatever the answer; 1 (and one line) for an address that is not one.
int run_why_command(const config::Config& config, const WhyCommandOptions& options);

}  // namespace prospectd::cli
