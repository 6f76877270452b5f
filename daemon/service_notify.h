// Service manager notifications (systemd Type=notify: READY, RELOADING, STOPPING, WATCHDOG).
// A no-op when not started by systemd, or when built without libsystemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace prospectd::daemon {

void notify_service(const std::string& state);
// The interval at which WATCHDOG=1 must be sent (half of WATCHDOG_USEC), if systemd asks for it.
std::optional<std::chrono::milliseconds> watchdog_interval();

}  // namespace prospectd::daemon
