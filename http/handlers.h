// The HTTP server's routes, one group per file (http/handlers_*.cpp), registered on a
// cpp-httplib server by HttpServer. Handlers run on worker threads and share only HttpContext.
#pragma once

#include <httplib.h>

#include "http/context.h"

namespace prospectd::http {

// GET /healthz, /api/status, /metrics.
void add_status_routes(httplib::Server& server, HttpContext& context);
// GET /api/contacts, /api/contacts/{email}, /api/threads.
void add_crm_routes(httplib::Server& server, HttpContext& context);
// GET /api/dashboard: recent promotions, threads owed a reply, prospects gone quiet.
void add_dashboard_routes(httplib::Server& server, HttpContext& context);
// POST /api/contacts/{email}/stage, /api/sync (access -- token or session, CSRF -- is checked
// before routing, http/access_guard.h).
void add_write_routes(httplib::Server& server, HttpContext& context);
// GET /api/why/{email}; GET, POST /api/blocks, DELETE /api/blocks/{entry};
// POST /api/contacts/{email}/forget.
void add_people_routes(httplib::Server& server, HttpContext& context);
// GET /api/team: the team's combined pipeline from the team database.
void add_team_routes(httplib::Server& server, HttpContext& context);
// GET / and the status page's assets, compiled into the binary.
void add_page_routes(httplib::Server& server);

}  // namespace prospectd::http
