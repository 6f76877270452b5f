// Builds the HttpServer from the config and connects POST /api/sync to the scheduler.
// The server reads the store through its own read-only connections.
#include "daemon/http_runtime.h"

#include "daemon/http_server.h"

namespace prospectd::daemon {

HttpRuntime start_http_server(const Config& config, LiveStatus& live, Scheduler& scheduler) {
  HttpServerOptions options;
  options.listen = config.http_listen;
  options.store_file = config.store_file();
  options.data_dir = config.data_dir;
  options.gone_quiet_days = config.gone_quiet_days;
  for (const auto& account : config.accounts) options.account_names.push_back(account.name);
  auto server = std::make_shared<HttpServer>(options, live, [&scheduler](const std::optional<std::string>& account) {
    return scheduler.request_sync(account);
  });
  server->start();
  const std::string host = config.http_listen.substr(0, config.http_listen.rfind(':'));
  return HttpRuntime{host + ":" + std::to_string(server->port()), server};
}

void HttpRuntime::stop() {
  if (server) server->stop();
}

}  // namespace prospectd::daemon
