// `prospectd run`: the daemon. Account workers sync in the background; the main thread waits
// for signals: SIGTERM/SIGINT stop gracefully (exit 0), SIGHUP reloads the config.
#include "daemon/run_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <memory>

#include "daemon/http_runtime.h"
#include "daemon/service_notify.h"
#include "publish/publisher.h"
#include "sync/live_status.h"
#include "sync/scheduler.h"

namespace prospectd::daemon {

namespace {

// The outbox publishers of [team] and [[webhooks]]; null when the store cannot be opened for
// them now (logged; the sync and the page go on, and the next start or reload tries again).
std::unique_ptr<publish::Publisher> start_publisher(const config::Config& config) {
  try {
    return std::make_unique<publish::Publisher>(config);
  } catch (const std::exception& error) {
    spdlog::error("publishing to the team database and webhooks is off: {}", error.what());
    return nullptr;
  }
}

}  // namespace

int run_daemon_command(const config::Config& initial_config) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  config::Config config = initial_config;
  sync::LiveStatus live;
  sync::Scheduler scheduler(live);
  scheduler.apply(config);
  auto http = start_http_server(config, live, scheduler);
  auto publisher = start_publisher(config);
  spdlog::info("prospectd {} running: {} account(s){}", PROSPECTD_VERSION, config.accounts.size(),
               http.address.empty() ? "" : ", status page at http://" + http.address + "/");
  notify_service("READY=1\nSTATUS=running");

  const auto watchdog = watchdog_interval();
  const auto wait = watchdog.value_or(std::chrono::milliseconds(60000));
  for (;;) {
    timespec timeout{static_cast<time_t>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1000000)};
    const int signal_number = sigtimedwait(&signals, nullptr, &timeout);
    if (signal_number < 0) {
      if (watchdog) notify_service("WATCHDOG=1");
      continue;
    }
    if (signal_number == SIGHUP) {
      notify_service("RELOADING=1");
      try {
        config::Config reloaded = config::load_config(config.source);
        if (reloaded.http_listen != config.http_listen || reloaded.data_dir != config.data_dir ||
            reloaded.gone_quiet_days != config.gone_quiet_days) {
          spdlog::warn("http.listen, data_dir and contacts.gone_quiet_days take effect at the next restart");
        }
        scheduler.apply(reloaded);
        if (reloaded.team != config.team || reloaded.webhooks != config.webhooks) {
          publisher.reset();  // joins: a delivery in flight ends first
          publisher = start_publisher(reloaded);
          if (reloaded.team != config.team)
            spdlog::warn("the status page's team view follows [team] at the next restart");
        }
        config = std::move(reloaded);
        spdlog::info("configuration reloaded from {}", config.source.string());
      } catch (const std::exception& error) {
        spdlog::error("the new configuration was not applied, keeping the old one: {}", error.what());
      }
      notify_service("READY=1");
      continue;
    }
    spdlog::info("stopping ({})", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  notify_service("STOPPING=1");
  scheduler.stop_all();
  publisher.reset();
  http.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace prospectd::daemon
