// Progress lines redrawn in place with '\r' and an erase-to-end-of-line escape.
// Rate is measured from this run's first report for the folder, so resumed syncs show true speed.
#include "cli/progress_display.h"

namespace prospectd::cli {

void ProgressDisplay::update(const std::string& account, const connectors::Progress& progress) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const std::string key = account + "/" + progress.scope;
  auto [it, inserted] = scopes_.try_emplace(key, ScopeState{now, progress.done});
  if (key != current_scope_) {
    if (line_open_) std::fputc('\n', out_);
    current_scope_ = key;
    last_draw_ = {};
  }
  const bool complete = progress.total > 0 && progress.done >= progress.total;
  if (!complete && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - it->second.started).count();
  const double rate = seconds > 0.05 ? static_cast<double>(progress.done - it->second.done_at_start) / seconds : 0;
  std::string eta = "";
  if (rate > 0 && progress.total > progress.done) {
    eta = ", ETA " + std::to_string(static_cast<long long>((progress.total - progress.done) / rate + 0.5)) + " s";
  }
  const int percent = progress.total ? static_cast<int>(100.0 * progress.done / progress.total) : 100;
  std::fprintf(out_, "\r\033[K%s %s: %llu/%llu (%d%%), %.0f msg/s%s", account.c_str(), progress.scope.c_str(),
               static_cast<unsigned long long>(progress.done), static_cast<unsigned long long>(progress.total), percent,
               rate, eta.c_str());
  std::fflush(out_);
  line_open_ = true;
}

void ProgressDisplay::finish() {
  if (enabled_ && line_open_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  line_open_ = false;
  current_scope_.clear();
}

}  // namespace prospectd::cli
