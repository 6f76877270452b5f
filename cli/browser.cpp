// open_browser: posix_spawnp of the platform's opener with stdout and stderr on /dev/null, so a
// desktop's chatter never mixes with the command's own output.
#include "cli/browser.h"

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace prospectd::cli {

bool open_browser(const std::string& url) {
#ifdef __APPLE__
  const char* opener = "open";
#else
  const char* opener = "xdg-open";
#endif
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 0, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", 0, 0);
  std::string program = opener;
  std::string argument = url;
  char* argv[] = {program.data(), argument.data(), nullptr};
  pid_t pid = 0;
  bool opened = false;
  if (posix_spawnp(&pid, opener, &actions, nullptr, argv, environ) == 0) {
    int status = 0;
    opened = waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  posix_spawn_file_actions_destroy(&actions);
  return opened;
}

}  // namespace prospectd::cli
