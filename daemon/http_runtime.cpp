// Builds the HttpServer from the config and connects POST /api/sync to the scheduler.
// The server reads the store through its own read-only connections.
#include "daemon/http_runtime.h"

#include <spdlog/spdlog.h>

#include "http/server.h"
#include "publish/publish_targets.h"
#include "publish/team_publisher.h"
#include "sync/rules_context.h"
#include "util/host_port.h"

namespace prospectd::daemon {

HttpRuntime start_http_server(const config::Config& config, sync::LiveStatus& live, sync::Scheduler& scheduler) {
  http::HttpServerOptions options;
  options.listen = config.http_listen;
  options.store_file = config.store_file();
  options.data_dir = config.data_dir;
  options.gone_quiet_days = config.gone_quiet_days;
  for (const auto& account : config.accounts) options.account_names.push_back(account.name);
  options.identity = sync::rules_context_from(config).identity;
  options.config_blocklist = config.blocklist;
  options.publish_labels = publish::publish_labels_of(config);
  if (config.team) {
    // Resolved once: GET /api/team must not run a password command per request. A password
    // that cannot be read is logged; the team view then says what the database answers.
    auto password = publish::resolve_team_password(*config.team);
    if (!password) spdlog::error("team database: {}", password.error());
    options.team = http::TeamAccess{config.team->database, password.value_or(std::nullopt), config.team->rep};
  }
  auto server = std::make_shared<http::HttpServer>(
      options, live,
      [&scheduler](const std::optional<std::string>& account) { return scheduler.request_sync(account); });
  server->start();
  const std::string host(util::host_part(config.http_listen));
  return HttpRuntime{host + ":" + std::to_string(server->port()), server};
}

void HttpRuntime::stop() {
  if (server) server->stop();
}

}  // namespace prospectd::daemon
