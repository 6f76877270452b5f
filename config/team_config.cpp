// [team] and [[webhooks]]: the settings of what leaves the machine, checked where they are read.
#include "config/team_config.h"

#include <algorithm>

#include "util/host_port.h"
#include "util/text.h"

namespace prospectd::config {
namespace {

const toml::node& node_or_table(detail::TableReader& reader, const std::string& key) {
  const toml::node* node = reader.table().get(key);
  return node ? *node : static_cast<const toml::node&>(reader.table());
}

// The host of an http(s) URL: between "://" (after any user info) and the port or path.
std::string url_host(std::string_view rest) {
  const auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return std::string(authority.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

bool is_loopback_host(const std::string& host) {
  const std::string lower = util::ascii_lowercase(host);
  if (lower == "localhost" || lower == "::1") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (!lower.starts_with("127.")) return false;
  return std::all_of(lower.begin(), lower.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
         std::count(lower.begin(), lower.end(), '.') == 3;
}

}  // namespace

std::optional<std::string> webhook_url_problem(std::string_view url) {
  const std::string lower = util::ascii_lowercase(url);
  if (lower.starts_with("https://")) {
    if (url_host(url.substr(8)).empty()) return "has no host";
    return std::nullopt;
  }
  if (lower.starts_with("http://")) {
    const std::string host = url_host(url.substr(7));
    if (host.empty()) return "has no host";
    if (!is_loopback_host(host)) {
      return "must be https:// (plain http:// only to a loopback address such as 127.0.0.1): events carry your "
             "contacts";
    }
    return std::nullopt;
  }
  return "must be an https:// URL (or http:// to a loopback address)";
}

std::optional<std::string> team_database_problem(std::string_view database) {
  const std::string lower = util::ascii_lowercase(database);
  if (lower.starts_with("postgresql://") || lower.starts_with("postgres://")) {
    const std::string_view rest = database.substr(database.find("://") + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    if (const auto at = authority.rfind('@');
        at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) {
      return "carries a password: put it in password_file, password_cmd or password_env instead";
    }
    if (lower.find("password=") != std::string::npos) {
      return "carries a password: put it in password_file, password_cmd or password_env instead";
    }
    return std::nullopt;
  }
  // key=value conninfo (libpq "Connection Strings"); a URI of another scheme with a query
  // ("mysql://h/db?ssl=true") is not one, whatever its '='.
  if (const auto equals = lower.find('=');
      equals != std::string::npos && lower.substr(0, equals).find("://") == std::string::npos) {
    // A password key is a secret in the file.
    for (std::size_t at = lower.find("password"); at != std::string::npos; at = lower.find("password", at + 1)) {
      const bool starts_key = at == 0 || lower[at - 1] == ' ' || lower[at - 1] == '\t';
      std::size_t after = at + 8;
      while (after < lower.size() && lower[after] == ' ') ++after;
      if (starts_key && after < lower.size() && lower[after] == '=') {
        return "carries a password: put it in password_file, password_cmd or password_env instead";
      }
    }
    return std::nullopt;
  }
  return "must be a PostgreSQL URI (postgresql://user@host:5432/database) or key=value settings "
         "(\"host=... dbname=... user=...\")";
}

TeamConfig read_team(detail::TableReader& reader) {
  TeamConfig team;
  team.database = reader.required_string("database");
  if (auto problem = team_database_problem(team.database)) {
    detail::fail(reader.file(), node_or_table(reader, "database"), reader.qualified("database"), *problem);
  }
  team.password = reader.secret("password");
  team.rep = reader.required_string("rep");
  if (team.rep.size() > 64 || std::any_of(team.rep.begin(), team.rep.end(), [](unsigned char c) { return c < 0x20; })) {
    detail::fail(reader.file(), node_or_table(reader, "rep"), reader.qualified("rep"),
                 "must be a short name without control characters (at most 64 bytes)");
  }
  if (auto share = reader.boolean("share_subjects")) team.share_subjects = *share;
  reader.reject_unknown();
  return team;
}

WebhookConfig read_webhook(detail::TableReader& reader) {
  WebhookConfig webhook;
  webhook.url = reader.required_string("url");
  if (auto problem = webhook_url_problem(webhook.url)) {
    detail::fail(reader.file(), node_or_table(reader, "url"), reader.qualified("url"), *problem);
  }
  webhook.secret = reader.secret("secret");
  if (webhook.secret.kind == SecretSource::Kind::none) {
    detail::fail(reader.file(), reader.table(), reader.qualified("secret_file"),
                 "missing: give secret_file, secret_cmd or secret_env (the key of the X-Prospectd-Signature HMAC)");
  }
  webhook.events = reader.string_list("events");
  if (webhook.events.empty() && !reader.table().get("events")) webhook.events = {"stage_changed", "contact_created"};
  if (webhook.events.empty()) {
    detail::fail(reader.file(), node_or_table(reader, "events"), reader.qualified("events"),
                 "must name at least one of \"stage_changed\", \"contact_created\"");
  }
  for (const std::string& event : webhook.events) {
    if (event != "stage_changed" && event != "contact_created") {
      detail::fail(reader.file(), node_or_table(reader, "events"), reader.qualified("events"),
                   "unknown event \"" + event + "\" (known: \"stage_changed\", \"contact_created\")");
    }
  }
  webhook.ca_file = reader.string("ca_file").value_or("");
  if (auto timeout = reader.duration("timeout")) {
    if (*timeout > std::chrono::seconds(60)) {
      detail::fail(reader.file(), node_or_table(reader, "timeout"), reader.qualified("timeout"), "must be at most 60s");
    }
    webhook.timeout = *timeout;
  }
  reader.reject_unknown();
  return webhook;
}

}  // namespace prospectd::config
