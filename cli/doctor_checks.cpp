// `prospectd doctor`'s checks: read-only looks at the data directory, the store, each account's
// secret and server, the HTTP address and the service files, each with a concrete fix.
#include "cli/doctor_checks.h"

#include <httplib.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <expected>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "config/secrets.h"
#include "connectors/imap/curl_transport.h"
#include "connectors/oauth/oauth.h"
#include "store/inspection.h"
#include "util/host_port.h"
#include "util/private_files.h"
#include "util/text.h"

namespace prospectd::cli {
namespace {

namespace fs = std::filesystem;

CheckResult ok(std::string what) { return {CheckLevel::ok, std::move(what), ""}; }
CheckResult warn(std::string what, std::string fix) { return {CheckLevel::warn, std::move(what), std::move(fix)}; }
CheckResult fail(std::string what, std::string fix) { return {CheckLevel::fail, std::move(what), std::move(fix)}; }

bool can_write(const fs::path& path) { return ::access(path.c_str(), W_OK | X_OK) == 0; }

fs::path home_dir() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  if (const passwd* entry = ::getpwuid(::geteuid()); entry && entry->pw_dir) return entry->pw_dir;
  return ".";
}

bool is_loopback_host(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// "imaps://user@host:993/x" -> "host" (IPv6 literals keep their brackets).
std::string url_host(const std::string& url) {
  auto rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (rest.starts_with("[")) return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find(':'));
}

std::string secret_fix(const config::SecretSource& source) {
  switch (source.kind) {
    case config::SecretSource::Kind::command:
      return "run `" + source.value +
             "` yourself: it must exit 0 and print the secret on its first line "
             "(under systemd it runs without your shell's environment)";
    case config::SecretSource::Kind::file:
      return "put the secret on the first line of " + source.value + " (chmod 600), or change " + source.config_key;
    case config::SecretSource::Kind::environment:
      return "export " + source.value +
             " where prospectd runs (for the systemd unit: a drop-in with "
             "Environment= or EnvironmentFile=)";
    case config::SecretSource::Kind::none:
      break;
  }
  return "set password_cmd, password_file or password_env";
}

// A refused login, an unreachable server and a TLS problem each have their own fix.
std::string connection_fix(const config::AccountConfig& account, const core::SourceError& error) {
  switch (error.kind) {
    case core::ErrorKind::auth:
      if (account.auth == "oauth2") {
        return "check username = \"" + account.username +
               "\" is the account you signed in as, and that the app registration may use IMAP";
      }
      return "check username = \"" + account.username + "\" and the password from " + account.password.config_key +
             "; many providers want an app password for IMAP (or auth = \"oauth2\": prospectd signs in)";
    case core::ErrorKind::fatal:
      if (error.message.find("certificate") != std::string::npos) {
        return "if the server has its own CA, set ca_file to it; otherwise check that url names "
               "the host "
               "its certificate is for";
      }
      if (error.message.find("STARTTLS") != std::string::npos) {
        return "use imaps:// if the server has it, or set starttls = \"auto\"";
      }
      return "check url: imaps://host[:port] or imap://host[:port]";
    default:
      return "check url's host and port (imaps:// is usually 993, imap:// 143) and that this "
             "machine "
             "can reach it (DNS, firewall, proxy)";
  }
}

std::expected<std::unique_ptr<connectors::imap::CurlTransport>, core::SourceError> log_in(
    const config::AccountConfig& account, const std::string& secret, connectors::imap::StartTls starttls,
    std::chrono::seconds timeout) {
  connectors::imap::ConnectOptions options;
  options.url = account.url;
  options.username = account.username;
  if (account.auth != "password") {
    options.oauth2_bearer = secret;
  } else {
    options.password = secret;
  }
  options.ca_file = account.ca_file;
  options.starttls = starttls;
  options.connect_timeout = timeout;
  return connectors::imap::CurlTransport::connect(options);
}

CheckResult check_login(const config::AccountConfig& account, const std::string& secret, std::chrono::seconds timeout) {
  using connectors::imap::StartTls;
  const std::string name = "account " + account.name + ": ";
  const std::string as = " as " + account.username;
  const bool loopback = is_loopback_host(url_host(account.url));
  if (account.url.starts_with("imaps://") || account.starttls == "required") {
    const auto session =
        log_in(account, secret, account.url.starts_with("imaps://") ? StartTls::off : StartTls::required, timeout);
    if (!session) {
      return fail(name + util::printable(session.error().message), connection_fix(account, session.error()));
    }
    return ok(name + "logged in to " + account.url + as + " (" +
              (account.url.starts_with("imaps://") ? "TLS" : "STARTTLS") + ", certificate verified)");
  }
  const auto plain_result = [&](const auto& session, const std::string& why) {
    if (!session) {
      return fail(name + util::printable(session.error().message), connection_fix(account, session.error()));
    }
    const std::string what = name + "logged in to " + account.url + as + " without TLS (" + why + ")";
    if (loopback) return ok(what);
    return warn(what + ": the password and mail headers cross the network in clear",
                "use imaps:// or a server that offers STARTTLS, and set starttls = \"required\"");
  };
  if (account.starttls == "off") {
    return plain_result(log_in(account, secret, StartTls::off, timeout), "starttls = \"off\"");
  }
  // starttls = "auto": find out whether the session would be encrypted, which "auto" hides.
  auto session = log_in(account, secret, StartTls::required, timeout);
  if (session) {
    return ok(name + "logged in to " + account.url + as + " (STARTTLS, certificate verified)");
  }
  if (session.error().message.find("does not offer STARTTLS") == std::string::npos) {
    return fail(name + util::printable(session.error().message), connection_fix(account, session.error()));
  }
  return plain_result(log_in(account, secret, StartTls::automatic, timeout), "the server offers no STARTTLS");
}

// Gmail: the client secret resolves and `prospectd auth` has stored a token. (The API itself
// is not called: that needs the OAuth exchange, which belongs to the connector.)
std::vector<CheckResult> check_gmail_account(const config::Config& config, const config::AccountConfig& account) {
  const std::string name = "account " + account.name + ": ";
  std::vector<CheckResult> results;
  if (account.client_secret.kind != config::SecretSource::Kind::none) {
    const auto secret = config::resolve_optional_secret(account.client_secret);
    if (!secret) {
      results.push_back(fail(name + "no client secret: " + secret.error(), secret_fix(account.client_secret)));
    } else {
      results.push_back(ok(name + "the client secret resolves (not shown)"));
    }
  }
  const fs::path token = config.token_file_of(account);
  std::error_code error;
  if (!fs::exists(token, error)) {
    results.push_back(fail(name + "no Gmail token at " + token.string() + " (not signed in)",
                           "run `prospectd auth " + account.name + "` and sign in"));
  } else {
    results.push_back(ok(name + "Gmail token " + token.string() + " is present (the API is not called)"));
  }
  return results;
}

std::optional<fs::path> first_existing(const std::vector<fs::path>& candidates) {
  std::error_code error;
  for (const auto& candidate : candidates) {
    if (fs::exists(candidate, error)) return candidate;
  }
  return std::nullopt;
}

// The program a unit's ExecStart= runs (its first word, without systemd's prefixes).
std::string exec_start_program(const fs::path& unit) {
  std::ifstream input(unit);
  std::string line;
  while (std::getline(input, line)) {
    if (!line.starts_with("ExecStart=")) continue;
    const std::string command = line.substr(10);
    const auto begin = command.find_first_not_of("@-:+! ");
    if (begin == std::string::npos) return "";
    return command.substr(begin, command.find(' ', begin) - begin);
  }
  return "";
}

}  // namespace

std::string format_check(const CheckResult& result) {
  const char* level = result.level == CheckLevel::ok ? "ok  " : result.level == CheckLevel::warn ? "warn" : "FAIL";
  std::string line = std::string(level) + "  " + result.what;
  if (!result.fix.empty()) line += "  fix: " + result.fix;
  return line;
}

CheckResult check_data_dir(const config::Config& config) {
  const fs::path& dir = config.data_dir;
  std::error_code error;
  if (fs::is_directory(dir, error)) {
    if (can_write(dir)) return ok("data_dir " + dir.string() + " is writable");
    return fail("data_dir " + dir.string() + " is not writable by this user",
                "chown it to this user (or chmod u+rwx " + dir.string() + "), or set data_dir elsewhere");
  }
  if (fs::exists(dir, error)) {
    return fail("data_dir " + dir.string() + " exists but is not a directory",
                "move that file away, or set data_dir to a directory");
  }
  fs::path parent = dir.parent_path();
  while (!parent.empty() && parent != parent.root_path() && !fs::exists(parent, error)) {
    parent = parent.parent_path();
  }
  if (fs::is_directory(parent, error) && can_write(parent)) {
    return ok("data_dir " + dir.string() + " does not exist yet; prospectd creates it (0700)");
  }
  return fail("data_dir " + dir.string() + " cannot be created: " + parent.string() + " is not writable",
              "create it as a user who can (mkdir -p " + dir.string() +
                  ") and chown it to this user, or "
                  "set data_dir elsewhere");
}

std::vector<CheckResult> check_store(const config::Config& config) {
  const fs::path file = config.store_file();
  std::vector<CheckResult> privacy;
  for (const auto& wide : util::wider_than_private(config.data_dir)) {
    privacy.push_back(warn("data_dir: " + wide + " can be read by other users",
                           "chmod 700 " + config.data_dir.string() + " and chmod 600 the files in it " +
                               "(prospectd narrows them itself when it next starts)"));
  }
  std::error_code error;
  if (!fs::exists(file, error)) {
    privacy.push_back(ok("store: none yet at " + file.string() + " (the first sync creates it)"));
    return privacy;
  }
  const std::string damaged_fix = "stop prospectd, move " + file.string() +
                                  " aside and run `prospectd sync` to fetch the mail again "
                                  "(stage moves made by hand are lost; keep the old file)";
  store::StoreInspection inspection;
  try {
    inspection = store::inspect_store(file);
  } catch (const std::exception& failure) {
    return {fail("store " + file.string() + " cannot be read: " + failure.what(),
                 "check the file's owner and permissions; if it is damaged: " + damaged_fix)};
  }
  std::vector<CheckResult> results = std::move(privacy);
  if (inspection.integrity.size() == 1 && inspection.integrity.front() == "ok") {
    results.push_back(ok("store " + file.string() + " passes PRAGMA integrity_check"));
  } else {
    std::string problems;
    for (const auto& problem : inspection.integrity) {
      problems += (problems.empty() ? "" : "; ") + problem;
    }
    results.push_back(fail("store " + file.string() + " is damaged: " + problems, damaged_fix));
  }
  const int latest = inspection.latest_schema_version;
  const std::string version = "store schema v" + std::to_string(inspection.schema_version);
  if (inspection.schema_version == latest) {
    results.push_back(ok(version + " (current)"));
  } else if (inspection.schema_version > latest) {
    results.push_back(
        fail(version + " was written by a newer prospectd (this one knows v" + std::to_string(latest) + ")",
             "run the newer prospectd, or upgrade this one"));
  } else {
    results.push_back(
        warn(version + "; this prospectd migrates it to v" + std::to_string(latest) + " when it next opens it",
             "nothing to do, unless you may go back to the older prospectd: then copy the file first"));
  }
  if (!can_write(file.parent_path()) || ::access(file.c_str(), W_OK) != 0) {
    results.push_back(fail("store " + file.string() + " is not writable by this user",
                           "chown " + file.string() + "* to the user prospectd runs as"));
  }
  return results;
}

// auth = "oauth2": the stored sign-in, the token endpoint (a refresh: a rotated refresh token is
// kept, as the daemon would), then a login with the access token.
std::vector<CheckResult> check_oauth_account(const config::AccountConfig& account, std::chrono::seconds timeout) {
  namespace oauth = connectors::oauth;
  const std::string name = "account " + account.name + ": ";
  const std::string sign_in =
      "run `prospectd auth " + account.name + "` (or add --device on a machine without a browser)";
  std::vector<CheckResult> results;
  auto secret = config::resolve_optional_secret(account.client_secret);
  if (!secret) {
    results.push_back(fail(name + "no client secret: " + secret.error(), secret_fix(account.client_secret)));
    return results;
  }
  auto refresh_token = oauth::read_refresh_token(account.token_file, account.name);
  if (!refresh_token) {
    results.push_back(fail(name + util::printable(refresh_token.error().message), sign_in));
    return results;
  }
  results.push_back(ok(name + "sign-in stored in " + account.token_file + " (mode 0600)"));
  oauth::AccessTokens tokens(
      {account.client_id, *secret, account.oauth.token_uri, account.name, account.ca_file, account.oauth.provider_name},
      *refresh_token, account.token_file);
  auto token = tokens.token(false);
  if (!token) {
    results.push_back(
        fail(name + util::printable(token.error().message),
             token.error().kind == core::ErrorKind::auth
                 ? sign_in
                 : "check oauth_token_uri (" + account.oauth.token_uri + ") and that this machine can reach it"));
    return results;
  }
  results.push_back(ok(name + account.oauth.token_uri + " issued an access token (not shown)"));
  if (!account.ca_file.empty() && ::access(account.ca_file.c_str(), R_OK) != 0) {
    results.push_back(fail(name + "ca_file " + account.ca_file + " cannot be read: " + std::strerror(errno),
                           "point ca_file at the PEM file of the CA that signed the server's certificate"));
    return results;
  }
  results.push_back(check_login(account, *token, timeout));
  return results;
}

std::vector<CheckResult> check_account(const config::Config& config, const config::AccountConfig& account,
                                       std::chrono::seconds timeout) {
  const std::string name = "account " + account.name + ": ";
  if (account.type == "gmail") return check_gmail_account(config, account);
  if (account.auth == "oauth2") return check_oauth_account(account, timeout);
  std::vector<CheckResult> results;
  auto secret = config::resolve_secret(account.password);
  if (!secret) {
    results.push_back(fail(name + "no password: " + secret.error(), secret_fix(account.password)));
    return results;
  }
  const std::string key = account.password.config_key.substr(account.password.config_key.rfind('.') + 1);
  results.push_back(ok(name + key + " gives a " + (account.auth == "xoauth2" ? "token" : "password") + " (not shown)"));
  if (account.password.kind == config::SecretSource::Kind::file) {
    struct stat info {};
    if (::stat(account.password.value.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      results.push_back(
          warn(name + account.password.value + " can be read by other users", "chmod 600 " + account.password.value));
    }
  }
  if (!account.ca_file.empty() && ::access(account.ca_file.c_str(), R_OK) != 0) {
    results.push_back(fail(name + "ca_file " + account.ca_file + " cannot be read: " + std::strerror(errno),
                           "point ca_file at the PEM file of the CA that signed the server's certificate"));
    return results;
  }
  results.push_back(check_login(account, *secret, timeout));
  return results;
}

CheckResult check_http_listen(const config::Config& config) {
  const std::string& listen = config.http_listen;
  const auto address = util::parse_host_port(listen);
  if (!address) return fail("http.listen \"" + listen + "\" is not host:port", "write it as 127.0.0.1:8787");
  const std::string& host = address->host;
  const std::string port = std::to_string(address->port);
  const std::string what = "http.listen " + listen;
  const std::string fix_port = "stop the program using it, or set [http] listen to another port";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); status != 0) {
    return fail(what + ": cannot resolve " + host + " (" + ::gai_strerror(status) + ")",
                "use an address of this machine, such as 127.0.0.1:" + port);
  }
  int bind_error = 0;
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    bind_error = errno;
  } else {
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) bind_error = errno;
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (bind_error == EADDRINUSE) {
    httplib::Client client(host, std::stoi(port));
    client.set_connection_timeout(2);
    client.set_read_timeout(2);
    const auto response = client.Get("/healthz");
    if (response && response->status == 200 && response->body == "ok\n") {
      return ok(what + " is served by a running prospectd (GET /healthz answers)");
    }
    return fail(what + " is in use by another program", fix_port);
  }
  if (bind_error == EACCES) {
    return fail(what + ": ports below 1024 need privileges", "use a port above 1023");
  }
  if (bind_error != 0) {
    return fail(what + " cannot be bound: " + std::strerror(bind_error), "use 127.0.0.1:PORT with a free PORT");
  }
  if (!is_loopback_host(host)) {
    return warn(what + " is free, but reachable from other machines (anyone there can read your CRM)",
                "use 127.0.0.1:" + port + " unless you mean to serve the network");
  }
  return ok(what + " is free for `prospectd run`");
}

CheckResult check_service_files() {
#ifdef __APPLE__
  const fs::path agent = home_dir() / "Library/LaunchAgents/com.prospectd.agent.plist";
  std::error_code error;
  if (!fs::exists(agent, error)) {
    return warn("no launchd agent at " + agent.string() + " (prospectd runs only when you start it)",
                "copy com.prospectd.agent.plist from share/prospectd with /Users/USERNAME replaced by your "
                "home, then `launchctl bootstrap gui/$(id -u) " +
                    agent.string() + "` (see prospectd(1))");
  }
  std::ifstream input(agent);
  std::stringstream text;
  text << input.rdbuf();
  if (text.str().find("/Users/USERNAME") != std::string::npos) {
    return warn("launchd agent " + agent.string() + " still has the placeholder /Users/USERNAME",
                "sed -i '' \"s|/Users/USERNAME|$HOME|g\" " + agent.string() + ", then reload it with launchctl");
  }
  return ok("launchd agent " + agent.string() + " is installed");
#else
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const fs::path user_config = xdg && *xdg ? fs::path(xdg) : home_dir() / ".config";
  const auto user_unit =
      first_existing({user_config / "systemd/user/prospectd.service", "/etc/systemd/user/prospectd.service",
                      "/usr/local/lib/systemd/user/prospectd.service", "/usr/lib/systemd/user/prospectd.service",
                      "/lib/systemd/user/prospectd.service"});
  const passwd* entry = ::getpwuid(::geteuid());
  const std::string instance = std::string("prospectd@") + (entry ? entry->pw_name : "USER") + ".service";
  std::error_code error;
  if (fs::exists("/etc/systemd/system/multi-user.target.wants/" + instance, error)) {
    return ok("system service " + instance + " is enabled");
  }
  if (!user_unit) {
    return warn("no prospectd systemd user unit installed (prospectd runs only when you start it)",
                "install the package (or `cmake --install`), or copy "
                "packaging/systemd/prospectd.service to " +
                    (user_config / "systemd/user/").string() +
                    "; then systemctl --user daemon-reload && systemctl --user enable --now "
                    "prospectd.service");
  }
  const std::string program = exec_start_program(*user_unit);
  if (!program.empty() && ::access(program.c_str(), X_OK) != 0) {
    return warn("user unit " + user_unit->string() + " starts " + program + ", which is not there",
                "reinstall prospectd, or `systemctl --user edit prospectd` to set ExecStart= to its path");
  }
  if (fs::exists(user_config / "systemd/user/default.target.wants/prospectd.service", error) ||
      fs::exists("/etc/systemd/user/default.target.wants/prospectd.service", error)) {
    return ok("systemd user unit " + user_unit->string() + " is installed and enabled");
  }
  return warn("systemd user unit " + user_unit->string() + " is installed but not enabled",
              "systemctl --user enable --now prospectd.service");
#endif
}

}  // namespace prospectd::cli
