// `prospectd open [--print]`: a one-time sign-in link to the running daemon's status page
// (ARCHITECTURE.md "Interfaces"; the ticket's file is http/login_ticket.h's), opened in the browser or printed. Main
// thread.
#include <httplib.h>

#include <cstdio>
#include <ctime>

#include "cli/browser.h"
#include "cli/commands.h"
#include "cli/failure.h"
#include "http/listen_origins.h"
#include "http/login_ticket.h"
#include "http/token.h"
#include "util/host_port.h"

namespace prospectd::cli {
namespace {

// True when a prospectd daemon answers at `authority` ("127.0.0.1:8787", "[::1]:8787"): GET /api/session
// without credentials is its 401 with WWW-Authenticate: Bearer realm="prospectd". (The request also
// makes the daemon look at its token file, so a removed token is made anew before we read it.)
bool daemon_answers(const util::HostPort& listen, const std::string& authority) {
  std::string host = listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  httplib::Client client(host, listen.port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(2, 0);
  const auto answer = client.Get("/api/session", {{"Host", authority}});
  return answer && answer->status == 401 &&
         answer->get_header_value("WWW-Authenticate") == "Bearer realm=\"prospectd\"";
}

}  // namespace

int run_open_command(const config::Config& config, const OpenCommandOptions& options) {
  const auto listen = util::parse_host_port(config.http_listen);
  if (!listen) return report_failure("http.listen \"" + config.http_listen + "\" is not host:port");
  if (listen->port == 0) {
    return report_failure("http.listen " + config.http_listen +
                          " asks for any free port, so no link can name it: set a fixed port in " +
                          config.source.string());
  }
  const std::string base = "http://" + http::local_authority(*listen, listen->port);
  if (!daemon_answers(*listen, http::local_authority(*listen, listen->port))) {
    return report_failure("no prospectd daemon answers on " + base +
                          "/: start it first (`prospectd run`, or its service)");
  }
  std::string link;
  try {
    const std::string token = http::read_http_token(config.data_dir);
    link = base + "/login?ticket=" + http::issue_login_ticket(config.data_dir, token, std::time(nullptr));
  } catch (const std::exception& error) {
    return report_failure(error.what());
  }
  if (options.print) {
    std::printf("%s\n", link.c_str());
    return 0;
  }
  if (open_browser(link)) {
    std::printf("The status page opens in your browser, signed in: %s/\n", base.c_str());
    return 0;
  }
  std::printf("No browser could be opened here. Open this link within 2 minutes (it signs in once):\n\n  %s\n",
              link.c_str());
  return 0;
}

}  // namespace prospectd::cli
