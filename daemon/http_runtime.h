// The daemon's HTTP side as `run` sees it: start the server for a config and stop it. HTTP
// settings are read at start; a reload that changes them asks for a restart (logged).
#pragma once

#include <memory>
#include <string>

#include "daemon/config.h"
#include "daemon/live_status.h"
#include "daemon/scheduler.h"

namespace prospectd::daemon {

class HttpServer;

struct HttpRuntime {
  std::string address;  // host:port actually listened on
  std::shared_ptr<HttpServer> server;
  void stop();
};

// Throws std::runtime_error if the address cannot be bound.
HttpRuntime start_http_server(const Config& config, LiveStatus& live, Scheduler& scheduler);

}  // namespace prospectd::daemon
