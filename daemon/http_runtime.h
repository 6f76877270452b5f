// The daemon's HTTP side as `run` sees it: start the server for a config and stop it. HTTP
// settings are read at start; a reload that changes them asks for a restart (logged).
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "sync/live_status.h"
#include "sync/scheduler.h"

namespace prospectd::http {
class HttpServer;
}

namespace prospectd::daemon {

struct HttpRuntime {
  std::string address;  // host:port actually listened on
  std::shared_ptr<http::HttpServer> server;
  void stop();
};

// Throws std::runtime_error if the address cannot be bound.
HttpRuntime start_http_server(const config::Config& config, sync::LiveStatus& live, sync::Scheduler& scheduler);

}  // namespace prospectd::daemon
