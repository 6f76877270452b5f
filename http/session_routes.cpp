// /login consumes the ticket (http/login_ticket.h) and starts a session (http/session_store.h);
// /api/session answers after AccessGuard let the request through. Never logs a ticket or a cookie.
#include "http/session_routes.h"

#include <spdlog/spdlog.h>

#include <ctime>
#include <string_view>

#include "http/context.h"
#include "http/login_ticket.h"

namespace prospectd::http {
namespace {

constexpr std::string_view kRefusedTicketPage = R"(<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign-in link not valid · prospectd</title>
  <link rel="stylesheet" href="/app.css">
</head>
<body>
  <main class="sign-in-page">
    <h1>This sign-in link does not work</h1>
    <p>It was used already, it has expired (a link is valid once, for 2 minutes), or prospectd did not make it.</p>
    <p>Run <code>prospectd open</code> again on the computer prospectd runs on.</p>
  </main>
</body>
</html>
)";

void refuse_ticket(httplib::Response& res, TicketCheck check) {
  spdlog::info("a sign-in link was refused: {}", check == TicketCheck::expired ? "expired" : "used or not valid");
  res.status = 403;
  res.set_header("Cache-Control", "no-store");
  res.set_content(kRefusedTicketPage.data(), kRefusedTicketPage.size(), "text/html; charset=utf-8");
}

}  // namespace

void add_session_routes(httplib::Server& server, const std::filesystem::path& data_dir, CurrentHttpToken& token,
                        SessionStore& sessions, AccessGuard& guard) {
  server.Get("/login", [data_dir, &token, &sessions, &guard](const httplib::Request& req, httplib::Response& res) {
    const CurrentHttpToken::Snapshot current = token.current();
    const TicketCheck check =
        req.has_param("ticket")
            ? consume_login_ticket(data_dir, *current.token, req.get_param_value("ticket"), std::time(nullptr))
            : TicketCheck::not_valid;
    if (check != TicketCheck::accepted) {
      refuse_ticket(res, check);
      return;
    }
    const SessionStore::NewSession session = sessions.create(current.generation);
    res.status = 303;
    res.set_header("Cache-Control", "no-store");
    res.set_header("Set-Cookie",
                   guard.cookie_name() + "=" + session.cookie_value + "; HttpOnly; SameSite=Strict; Path=/");
    res.set_header("Location", "/");
    spdlog::info("a browser signed in with a one-time link");
  });
  server.Get("/api/session", [&guard](const httplib::Request& req, httplib::Response& res) {
    const Credentials who = guard.credentials(req);
    if (who.kind == Credentials::Kind::session) {
      reply_json(res, 200, {{"csrf_token", who.csrf_token}, {"auth", "session"}});
    } else {
      reply_json(res, 200, {{"csrf_token", nullptr}, {"auth", "bearer"}});
    }
  });
}

}  // namespace prospectd::http
