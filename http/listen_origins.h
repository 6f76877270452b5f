// What a request to this server may name (ARCHITECTURE.md "Interfaces"): the Host values it answers (the listen
// address and loopback names, against DNS rebinding) and the origins of its own page (for the Origin check).
// Pure; computed once after binding.
#pragma once

#include <string>
#include <vector>

#include "util/host_port.h"

namespace prospectd::http {

struct ListenOrigins {
  std::vector<std::string> hosts;    // lowercase Host header values, e.g. "127.0.0.1:8787"
  std::vector<std::string> origins;  // lowercase origins, e.g. "http://127.0.0.1:8787"
};

// For a server listening on `listen` (its port may be 0) and bound to `port`.
ListenOrigins listen_origins(const util::HostPort& listen, int port);

// The host and port a browser on this machine uses to reach the server, e.g. "127.0.0.1:8787" or
// "[::1]:8787": the listen host, or loopback for a wildcard listen address (0.0.0.0, ::).
std::string local_authority(const util::HostPort& listen, int port);

}  // namespace prospectd::http
