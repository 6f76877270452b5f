// TOML config loading with toml++: every key is checked against what we know, so a typo is an
// error that names its file and line instead of a silently ignored setting.
#include "config/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/provider_presets.h"
#include "config/table_reader.h"
#include "config/team_config.h"
#include "rules/lifecycle.h"
#include "util/text.h"

namespace prospectd::config {
namespace {

using detail::fail;
using detail::TableReader;
using detail::where;

std::filesystem::path env_path(const char* variable, const char* fallback_below_home) {
  if (const char* value = std::getenv(variable); value && *value) return value;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / fallback_below_home;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  }
  return text;
}

// An endpoint prospectd sends credentials to: https, or http to this machine (tests).
void require_endpoint(TableReader& reader, const toml::table& table, const std::filesystem::path& file,
                      const std::string& key, const std::string& value) {
  const bool loopback_http = value.starts_with("http://127.0.0.1") || value.starts_with("http://localhost") ||
                             value.starts_with("http://[::1]");
  if (!value.starts_with("https://") && !loopback_http) {
    fail(file, *table.get(key), reader.qualified(key),
         "must be an https:// URL (http:// only to 127.0.0.1 or localhost), got \"" + value + "\"");
  }
}

// auth = "oauth2": the client, the token file and the endpoints (the provider's, then the
// oauth_* overrides). A custom provider must name its token endpoint and scopes.
void read_oauth_settings(TableReader& reader, const toml::table& table, const std::filesystem::path& file,
                         const ProviderPreset* preset, AccountConfig& account) {
  account.client_id = reader.required_string("client_id");
  account.client_secret = reader.secret("client_secret");
  account.token_file = reader.string("token_file").value_or("");
  OAuthEndpoints& oauth = account.oauth;
  if (preset) {
    oauth.authorize_uri = with_tenant(preset->authorize_uri, account.tenant);
    oauth.token_uri = with_tenant(preset->token_uri, account.tenant);
    oauth.device_uri = with_tenant(preset->device_uri, account.tenant);
    oauth.scopes = preset->scopes;
    oauth.authorize_extras = preset->authorize_extras;
    oauth.provider_name = preset->display_name;
  } else {
    oauth.provider_name = "the identity provider";
  }
  for (const auto& [key, target] :
       {std::pair{"oauth_authorize_uri", &oauth.authorize_uri}, std::pair{"oauth_token_uri", &oauth.token_uri},
        std::pair{"oauth_device_uri", &oauth.device_uri}}) {
    if (auto value = reader.string(key)) {
      require_endpoint(reader, table, file, key, *value);
      *target = *value;
    }
  }
  if (table.contains("oauth_scopes")) {
    const auto scopes = reader.string_list("oauth_scopes");
    if (scopes.empty()) fail(file, *table.get("oauth_scopes"), reader.qualified("oauth_scopes"), "must not be empty");
    oauth.scopes.clear();
    for (const auto& scope : scopes) oauth.scopes += (oauth.scopes.empty() ? "" : " ") + scope;
  }
  if (oauth.token_uri.empty()) {
    throw ConfigError(where(file, table.source()) + ": " + reader.qualified("oauth_token_uri") +
                      ": missing (required with provider = \"custom\" and auth = \"oauth2\")");
  }
  if (oauth.scopes.empty()) {
    throw ConfigError(where(file, table.source()) + ": " + reader.qualified("oauth_scopes") +
                      ": missing (required with provider = \"custom\" and auth = \"oauth2\")");
  }
}

void read_imap_account(TableReader& reader, const toml::table& table, const std::filesystem::path& file,
                       AccountConfig& account) {
  account.provider = reader.string("provider").value_or("custom");
  const ProviderPreset* preset = find_provider(account.provider);
  if (!preset && account.provider != "custom") {
    fail(file, *table.get("provider"), reader.qualified("provider"),
         "must be " + quoted_list(provider_names()) + " (got \"" + account.provider + "\")");
  }
  if (auto tenant = reader.string("tenant")) {
    if (!preset || preset->default_tenant.empty()) {
      fail(file, *table.get("tenant"), reader.qualified("tenant"), "is only for provider = \"microsoft\"");
    }
    if (tenant->empty() || tenant->find_first_of("/?#{} ") != std::string::npos) {
      fail(file, *table.get("tenant"), reader.qualified("tenant"),
           "must be common, organizations, consumers or a tenant id or domain");
    }
    account.tenant = *tenant;
  } else if (preset) {
    account.tenant = preset->default_tenant;
  }
  if (auto url = reader.string("url")) {
    account.url = *url;
  } else if (preset) {
    account.url = preset->url;
  } else {
    account.url = reader.required_string("url");
  }
  if (!account.url.starts_with("imap://") && !account.url.starts_with("imaps://")) {
    throw ConfigError(where(file, table.source()) + ": " + reader.qualified("url") +
                      ": must start with imap:// or imaps:// (got \"" + account.url + "\")");
  }
  // Microsoft and Google accept no passwords for IMAP any more: signing in is the default.
  account.auth = reader.string("auth").value_or(preset ? "oauth2" : "password");
  if (account.auth != "password" && account.auth != "xoauth2" && account.auth != "oauth2") {
    fail(file, *table.get("auth"), reader.qualified("auth"), "must be \"password\", \"xoauth2\" or \"oauth2\"");
  }
  if (account.auth == "oauth2") {
    read_oauth_settings(reader, table, file, preset, account);
  } else {
    for (const char* key : {"client_id", "client_secret_cmd", "client_secret_file", "client_secret_env", "token_file",
                            "oauth_authorize_uri", "oauth_token_uri", "oauth_device_uri", "oauth_scopes"}) {
      if (const toml::node* node = table.get(key)) {
        fail(file, *node, reader.qualified(key),
             "is for auth = \"oauth2\" (this account has auth = \"" + account.auth + "\")");
      }
    }
    account.password = reader.secret("password");
    if (account.password.kind == SecretSource::Kind::none) {
      reader.reject_misspelling_of({"password_cmd", "password_file", "password_env"});
      throw ConfigError(where(file, table.source()) + ": " + reader.qualified("password_cmd") +
                        ": an IMAP account needs password_cmd, password_file or password_env" +
                        (account.auth == "password" ? " (or auth = \"oauth2\" to sign in with OAuth)" : ""));
    }
  }
  account.folders = reader.string_list("folders");
  account.ca_file = reader.string("ca_file").value_or("");
  account.starttls = reader.string("starttls").value_or("auto");
  if (account.starttls != "auto" && account.starttls != "required" && account.starttls != "off") {
    fail(file, *table.get("starttls"), reader.qualified("starttls"), "must be \"auto\", \"required\" or \"off\"");
  }
  if (auto batch = reader.integer("batch_size")) {
    if (*batch < 1 || *batch > 100000) {
      fail(file, *table.get("batch_size"), reader.qualified("batch_size"), "must be between 1 and 100000");
    }
    account.batch_size = static_cast<std::uint32_t>(*batch);
  }
  if (auto since = reader.string("since")) {
    account.since = parse_since(*since);
    if (!account.since) {
      fail(file, *table.get("since"), reader.qualified("since"),
           "must be a date (2024-01-31) or a window back from today: Nd, Nw, Nm or Ny, such as \"2y\" (got \"" +
               *since + "\")");
    }
  }
}

AccountConfig read_account(const toml::table& table, const std::filesystem::path& file, std::size_t index) {
  TableReader reader(table, file, "accounts[" + std::to_string(index) + "]");
  AccountConfig account;
  account.name = reader.required_string("name");
  account.type = reader.required_string("type");
  account.username = reader.required_string("username");
  if (auto interval = reader.duration("poll_interval")) account.poll_interval = *interval;
  if (account.type == "imap") {
    read_imap_account(reader, table, file, account);
  } else if (account.type == "gmail") {
    account.client_id = reader.required_string("client_id");
    account.client_secret = reader.secret("client_secret");
    account.token_file = reader.required_string("token_file");
    account.api_base = reader.string("api_base").value_or(account.api_base);
    account.token_uri = reader.string("token_uri").value_or(account.token_uri);
    if (auto rate = reader.integer("quota_units_per_second")) {
      if (*rate < 1 || *rate > 100000) {
        fail(file, *table.get("quota_units_per_second"), reader.qualified("quota_units_per_second"),
             "must be between 1 and 100000 (Google's per-user limit is 250)");
      }
      account.quota_units_per_second = static_cast<std::uint32_t>(*rate);
    }
  } else {
    fail(file, *table.get("type"), reader.qualified("type"),
         "must be \"imap\" or \"gmail\" (got \"" + account.type + "\")");
  }
  reader.reject_unknown();
  return account;
}

StageRuleConfig read_stage_rule(const toml::table& table, const std::filesystem::path& file, std::size_t index) {
  TableReader reader(table, file, "stage_rules[" + std::to_string(index) + "]");
  StageRuleConfig rule;
  rule.name = reader.required_string("name");
  rule.stage = reader.required_string("stage");
  if (rule.stage != "opportunity" && rule.stage != "customer" && rule.stage != "disqualified" &&
      rule.stage != "prospect") {
    fail(file, *table.get("stage"), reader.qualified("stage"),
         "must be \"prospect\", \"opportunity\", \"customer\" or \"disqualified\"");
  }
  rule.pattern = reader.required_string("pattern");
  try {
    (void)rules::make_stage_rule(rule.name, core::Stage::opportunity, rule.pattern);
  } catch (const std::regex_error& error) {
    fail(file, *table.get("pattern"), reader.qualified("pattern"),
         std::string("is not a valid regular expression: ") + error.what());
  }
  const auto fields = reader.string_list("fields");
  if (!fields.empty()) {
    rule.match_subject = rule.match_snippet = false;
    for (const auto& field : fields) {
      if (field == "subject") {
        rule.match_subject = true;
      } else if (field == "snippet") {
        rule.match_snippet = true;
      } else {
        fail(file, *table.get("fields"), reader.qualified("fields"),
             "may hold \"subject\" and \"snippet\" (got \"" + field + "\")");
      }
    }
  }
  if (const toml::node* enabled = table.get("enabled")) {
    if (!enabled->is_boolean()) fail(file, *enabled, reader.qualified("enabled"), "must be true or false");
    rule.enabled = enabled->as_boolean()->get();
  }
  reader.mark_known("enabled");
  reader.reject_unknown();
  return rule;
}

}  // namespace

const AccountConfig* Config::find_account(std::string_view name) const {
  for (const auto& account : accounts) {
    if (account.name == name) return &account;
  }
  return nullptr;
}

std::filesystem::path Config::token_file_of(const AccountConfig& account) const {
  if (!account.token_file.empty()) return account.token_file;
  return data_dir / (account.name + ".oauth-token.json");
}

std::filesystem::path default_config_path() {
  return env_path("XDG_CONFIG_HOME", ".config") / "prospectd" / "config.toml";
}

std::filesystem::path default_data_dir() { return env_path("XDG_DATA_HOME", ".local/share") / "prospectd"; }

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  const long long number = std::stoll(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  if (unit.empty() || unit == "s") return std::chrono::seconds(number);
  if (unit == "ms") return std::chrono::seconds((number + 999) / 1000);
  if (unit == "m") return std::chrono::seconds(number * 60);
  if (unit == "h") return std::chrono::seconds(number * 3600);
  if (unit == "d") return std::chrono::seconds(number * 86400);
  return std::nullopt;
}

Config parse_config(std::string_view text, const std::filesystem::path& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name.string());
  } catch (const toml::parse_error& error) {
    throw ConfigError(source_name.string() + ":" + std::to_string(error.source().begin.line) + ": " +
                      std::string(error.description()));
  }
  Config config;
  config.source = source_name;
  TableReader reader(root, source_name, "");
  const auto data_dir = reader.string("data_dir");
  config.data_dir = data_dir ? std::filesystem::path(*data_dir) : default_data_dir();
  if (config.data_dir.is_relative()) {
    config.data_dir = std::filesystem::absolute(source_name).parent_path() / config.data_dir;
  }
  if (const toml::table* http = reader.subtable("http")) {
    TableReader http_reader(*http, source_name, "http");
    config.http_listen = http_reader.string("listen").value_or(config.http_listen);
    http_reader.reject_unknown();
  }
  if (const toml::table* identity = reader.subtable("identity")) {
    TableReader identity_reader(*identity, source_name, "identity");
    config.own_addresses = identity_reader.string_list("addresses");
    config.internal_domains = identity_reader.string_list("internal_domains");
    identity_reader.reject_unknown();
  }
  if (const toml::table* contacts = reader.subtable("contacts")) {
    TableReader contacts_reader(*contacts, source_name, "contacts");
    config.blocklist = contacts_reader.string_list("blocklist");
    if (auto days = contacts_reader.integer("gone_quiet_days")) {
      if (*days < 1 || *days > 3650) {
        fail(source_name, *contacts->get("gone_quiet_days"), "contacts.gone_quiet_days", "must be between 1 and 3650");
      }
      config.gone_quiet_days = static_cast<int>(*days);
    }
    contacts_reader.reject_unknown();
  }
  if (const toml::array* rules = reader.array_of_tables("stage_rules")) {
    std::size_t index = 0;
    for (const auto& node : *rules) {
      config.stage_rules.push_back(read_stage_rule(*node.as_table(), source_name, index++));
    }
  }
  if (const toml::table* log = reader.subtable("log")) {
    TableReader log_reader(*log, source_name, "log");
    config.log_level = log_reader.string("level").value_or(config.log_level);
    config.log_file = log_reader.string("file").value_or("");
    log_reader.reject_unknown();
  }
  if (const toml::array* accounts = reader.array_of_tables("accounts")) {
    std::size_t index = 0;
    for (const auto& node : *accounts) {
      AccountConfig account = read_account(*node.as_table(), source_name, index);
      if (config.find_account(account.name)) {
        fail(source_name, node, "accounts[" + std::to_string(index) + "].name",
             "\"" + account.name + "\" is used by another account");
      }
      if (account.auth == "oauth2" && account.token_file.empty()) {
        account.token_file = config.token_file_of(account).string();
      }
      config.accounts.push_back(std::move(account));
      ++index;
    }
  }
  if (const toml::table* team = reader.subtable("team")) {
    TableReader team_reader(*team, source_name, "team");
    config.team = read_team(team_reader);
  }
  if (const toml::array* webhooks = reader.array_of_tables("webhooks")) {
    std::size_t index = 0;
    for (const auto& node : *webhooks) {
      TableReader webhook_reader(*node.as_table(), source_name, "webhooks[" + std::to_string(index) + "]");
      WebhookConfig webhook = read_webhook(webhook_reader);
      for (const WebhookConfig& other : config.webhooks) {
        if (other.url == webhook.url) {
          fail(source_name, node, "webhooks[" + std::to_string(index) + "].url", "the same URL is configured twice");
        }
      }
      config.webhooks.push_back(std::move(webhook));
      ++index;
    }
  }
  reader.reject_unknown();
  return config;
}

Config load_config(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) {
    throw ConfigError(file.string() +
                      ": no such config file (create one with `prospectd init`, or pass --config PATH)");
  }
  std::ifstream input(file, std::ios::binary);
  if (!input) throw ConfigError(file.string() + ": cannot be read");
  std::stringstream text;
  text << input.rdbuf();
  return parse_config(text.str(), file);
}

}  // namespace prospectd::config
