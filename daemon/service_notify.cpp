// sd_notify(3) from libsystemd when the build found it (PROSPECTD_HAVE_SYSTEMD), else nothing.
// launchd needs no notification: it considers the process ready once started.
#include "daemon/service_notify.h"

#ifdef PROSPECTD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace prospectd::daemon {

void notify_service(const std::string& state) {
#ifdef PROSPECTD_HAVE_SYSTEMD
  sd_notify(0, state.c_str());
#else
  (void)state;
#endif
}

std::optional<std::chrono::milliseconds> watchdog_interval() {
#ifdef PROSPECTD_HAVE_SYSTEMD
  std::uint64_t microseconds = 0;
  if (sd_watchdog_enabled(0, &microseconds) > 0 && microseconds > 0) {
    return std::chrono::milliseconds(microseconds / 2000);
  }
#endif
  return std::nullopt;
}

}  // namespace prospectd::daemon
