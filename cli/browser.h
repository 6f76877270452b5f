// Opens a URL in the user's browser for the commands that sign something in (`auth`, `open`):
// xdg-open on Linux, open on macOS. Main thread; waits for the opener to exit.
#pragma once

#include <string>

namespace prospectd::cli {

// Best effort: true when the opener ran and said it succeeded. Its output is discarded, so the
// caller prints the URL (or how to get it) for when no browser opens.
bool open_browser(const std::string& url);

}  // namespace prospectd::cli
