// `prospectd block ENTRY`, `unblock ENTRY` and `blocks [--json]`: the rep's own blocklist in the
// store ("not a contact": an address or a whole domain). Main thread.
#pragma once

#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct BlockCommandOptions {
  std::string entry;
  bool json = false;  // `blocks` only
};

// Exit 0; 1 and one line for an entry that is neither an address nor a domain (nothing changes).
int run_block_command(const config::Config& config, const BlockCommandOptions& options);
// Exit 0; 1 for an invalid entry or one that is not on the blocklist.
int run_unblock_command(const config::Config& config, const BlockCommandOptions& options);
// The entries, domains first.
int run_blocks_command(const config::Config& config, const BlockCommandOptions& options);

}  // namespace prospectd::cli
