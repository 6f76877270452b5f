// Where the status page's compiled-in files are served ("/" for index.html, "/app.js" ...): the
// routes of handlers_page.cpp, and the paths AccessGuard leaves open. Pure; any thread.
#pragma once

#include <string>

#include "http/assets.h"

namespace prospectd::http {

std::string page_path(const EmbeddedFile& file);

}  // namespace prospectd::http
