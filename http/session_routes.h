// Signing the browser in (ARCHITECTURE.md "Interfaces"): GET /login?ticket=… turns a `prospectd open` link into a
// session cookie and a redirect to the page (or a 403 page), GET /api/session gives the page its CSRF token.
// Handlers run on worker threads; what they use is owned by HttpServer and outlives them.
#pragma once

#include <httplib.h>

#include <filesystem>

#include "http/access_guard.h"
#include "http/current_token.h"
#include "http/session_store.h"

namespace prospectd::http {

void add_session_routes(httplib::Server& server, const std::filesystem::path& data_dir, CurrentHttpToken& token,
                        SessionStore& sessions, AccessGuard& guard);

}  // namespace prospectd::http
