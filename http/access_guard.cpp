// AccessGuard: the checks in the order a request meets them — Host, Origin, open paths, credentials,
// CSRF — each refusal a JSON answer that says what to do. Secrets are compared in constant time and
// never echoed or logged.
#include "http/access_guard.h"

#include <algorithm>

#include "http/context.h"
#include "http/listen_origins.h"
#include "http/page_paths.h"
#include "http/token.h"
#include "util/text.h"

namespace prospectd::http {
namespace {

bool is_write(const std::string& method) { return method != "GET" && method != "HEAD"; }

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), util::ascii_lowercase(value)) != values.end();
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::vector<std::string> cookie_values(const httplib::Request& req, const std::string& name) {
  std::vector<std::string> values;
  const auto [first, last] = req.headers.equal_range("Cookie");
  for (auto header = first; header != last; ++header) {
    std::string_view rest(header->second);
    while (!rest.empty()) {
      const std::size_t end = std::min(rest.find(';'), rest.size());
      const std::string_view pair = trimmed(rest.substr(0, end));
      rest.remove_prefix(std::min(end + 1, rest.size()));
      const std::size_t equals = pair.find('=');
      if (equals != std::string_view::npos && trimmed(pair.substr(0, equals)) == name) {
        values.emplace_back(trimmed(pair.substr(equals + 1)));
      }
    }
  }
  return values;
}

AccessGuard::AccessGuard(std::string listen_text, std::filesystem::path data_dir, CurrentHttpToken& token,
                         SessionStore& sessions)
    : listen_text_(std::move(listen_text)),
      token_file_(std::move(data_dir) / "http-token"),
      token_(token),
      sessions_(sessions),
      open_paths_{"/healthz", "/login"} {
  for (const EmbeddedFile& file : status_page_files()) open_paths_.insert(page_path(file));
}

void AccessGuard::set_listen(const util::HostPort& listen, int port) {
  ListenOrigins accepted = listen_origins(listen, port);
  hosts_ = std::move(accepted.hosts);
  origins_ = std::move(accepted.origins);
  cookie_name_ = "prospectd_session_" + std::to_string(port);
}

bool AccessGuard::is_open(const std::string& path) const { return open_paths_.contains(path); }

Credentials AccessGuard::credentials(const httplib::Request& req) {
  const CurrentHttpToken::Snapshot token = token_.current();
  if (req.has_header("Authorization")) {
    const std::string header = req.get_header_value("Authorization");
    if (util::starts_with_ignoring_case(header, "bearer ") &&
        token_matches(trimmed(std::string_view(header).substr(7)), *token.token)) {
      return {Credentials::Kind::bearer, {}};
    }
    return {Credentials::Kind::wrong_bearer, {}};
  }
  bool stale = false;
  for (const std::string& value : cookie_values(req, cookie_name_)) {
    SessionStore::Found found = sessions_.find(value, token.generation);
    if (found.state == SessionStore::State::valid) return {Credentials::Kind::session, std::move(found.csrf_token)};
    stale = true;
  }
  return {stale ? Credentials::Kind::expired_session : Credentials::Kind::none, {}};
}

void AccessGuard::refuse_unauthenticated(httplib::Response& res, std::string_view code,
                                         const std::string& message) const {
  res.set_header("WWW-Authenticate", "Bearer realm=\"prospectd\"");
  reply_json(
      res, 401,
      {{"error", message}, {"reason", code}, {"sign_in", "run `prospectd open` on the computer prospectd runs on"}});
}

bool AccessGuard::refuse(const httplib::Request& req, httplib::Response& res) {
  if (!contains(hosts_, req.get_header_value("Host"))) {
    reply_error(res, 403, "this server only answers requests addressed to " + listen_text_ + " or localhost");
    return true;
  }
  // A page of another origin (another site, or another local server) may send requests but never act.
  const auto [first_origin, last_origin] = req.headers.equal_range("Origin");
  for (auto origin = first_origin; origin != last_origin; ++origin) {
    if (!contains(origins_, origin->second)) {
      reply_error(res, 403, "this server does not answer requests from pages of other origins");
      return true;
    }
  }
  if (is_open(req.path)) return false;
  const std::string bearer_hint = "send Authorization: Bearer <the token in " + token_file_.string() + ">";
  const Credentials who = credentials(req);
  switch (who.kind) {
    case Credentials::Kind::bearer:
      return false;
    case Credentials::Kind::session:
      if (is_write(req.method) &&
          !(req.has_header("X-CSRF-Token") && token_matches(req.get_header_value("X-CSRF-Token"), who.csrf_token))) {
        reply_error(res, 403,
                    "a write from the signed-in page needs the header X-CSRF-Token with the csrf_token of "
                    "GET /api/session");
        return true;
      }
      return false;
    case Credentials::Kind::wrong_bearer:
      refuse_unauthenticated(
          res, "wrong_token",
          "the bearer token is wrong: " + bearer_hint + ", or sign the browser in with `prospectd open`");
      return true;
    case Credentials::Kind::expired_session:
      refuse_unauthenticated(res, "session_expired", "session expired: run `prospectd open`");
      return true;
    case Credentials::Kind::none:
      break;
  }
  refuse_unauthenticated(res, "not_signed_in",
                         "sign in: run `prospectd open` to open the status page signed in, or " + bearer_hint);
  return true;
}

}  // namespace prospectd::http
