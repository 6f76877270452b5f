// GET /api/team: the team's combined pipeline, read from the team database on each request
// (ARCHITECTURE.md "Team and webhooks"). 404 without [team]; 503 with the reason when the
// database cannot be read (the local API is unaffected).
#include <spdlog/spdlog.h>

#include <ctime>

#include "http/handlers.h"
#include "store/team/team_database.h"
#include "views/team_json.h"

namespace prospectd::http {

namespace {

void team(HttpContext& context, httplib::Response& res) {
  if (!context.options.team) {
    reply_error(res, 404, "no team database is configured ([team] in the config)");
    return;
  }
  const TeamAccess& access = *context.options.team;
  try {
    store::team::TeamDatabase database(access.database, access.password, std::chrono::seconds(5));
    nlohmann::json document = views::team_view_json(database.read_view(std::time(nullptr)));
    document["rep"] = access.rep;
    reply_json(res, 200, document);
  } catch (const store::team::TeamError& error) {
    reply_error(res, 503, error.what());
  }
}

}  // namespace

void add_team_routes(httplib::Server& server, HttpContext& context) {
  server.Get("/api/team", [&context](const httplib::Request&, httplib::Response& res) { team(context, res); });
}

}  // namespace prospectd::http
