// Who may ask what of the HTTP server (ARCHITECTURE.md "Interfaces"): the Host and Origin checks, then the bearer
// token or a browser session for everything but /healthz, /login and the page shell, and a session's CSRF
// token for its writes. Owned by HttpServer: set up before serving, then read-only (the token and the
// sessions lock themselves); refuse() runs on the worker threads.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "http/current_token.h"
#include "http/session_store.h"
#include "util/host_port.h"

namespace prospectd::http {

struct Credentials {
  enum class Kind { none, bearer, session, wrong_bearer, expired_session };
  Kind kind = Kind::none;
  std::string csrf_token;  // of the session
};

class AccessGuard {
 public:
  AccessGuard(std::string listen_text, std::filesystem::path data_dir, CurrentHttpToken& token, SessionStore& sessions);

  // After binding: the Host values and origins this server accepts, and the session cookie's name,
  // which carries the port because browsers send a host's cookies to all of its ports.
  void set_listen(const util::HostPort& listen, int port);
  const std::string& cookie_name() const { return cookie_name_; }

  // Sends the refusal (403 for a foreign Host or Origin or a session's write without its CSRF
  // token, 401 with WWW-Authenticate without valid credentials) and returns true when the
  // request must not reach its handler.
  bool refuse(const httplib::Request& req, httplib::Response& res);

  // Who sent the request: the Authorization header decides when present, else the session cookie.
  Credentials credentials(const httplib::Request& req);

 private:
  bool is_open(const std::string& path) const;
  // 401 with WWW-Authenticate and {"error": message, "reason": code, "sign_in": how}.
  void refuse_unauthenticated(httplib::Response& res, std::string_view code, const std::string& message) const;

  const std::string listen_text_;
  const std::filesystem::path token_file_;
  CurrentHttpToken& token_;
  SessionStore& sessions_;
  std::set<std::string> open_paths_;
  std::vector<std::string> hosts_;
  std::vector<std::string> origins_;
  std::string cookie_name_ = "prospectd_session";
};

// Every value of the cookie `name` in the request's Cookie headers, in order.
std::vector<std::string> cookie_values(const httplib::Request& req, const std::string& name);

}  // namespace prospectd::http
