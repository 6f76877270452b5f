// `prospectd run`: the composition root of the service. Wires the sync scheduler, the HTTP
// server and the service manager together; runs on the calling (main) thread until SIGTERM.
#pragma once

#include "config/config.h"

namespace prospectd::daemon {

// Syncs every account in the background and serves the HTTP API until SIGTERM/SIGINT (exit 0);
// SIGHUP reloads the config (a bad new config is reported and the old one kept).
int run_daemon_command(const config::Config& config);

}  // namespace prospectd::daemon
