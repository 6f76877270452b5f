// The configuration file (TOML, ARCHITECTURE.md "Interfaces"): parsed, validated and defaulted in one place.
// Errors name the file, line and key; unknown keys are errors. Immutable once loaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/since_window.h"

namespace prospectd::config {

// A configuration mistake, with the place it was found ("config.toml:12: accounts[1].url: ...").
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where a secret comes from; never the secret itself (ARCHITECTURE.md "Interfaces": never logged or stored).
struct SecretSource {
  enum class Kind { none, command, file, environment };
  Kind kind = Kind::none;
  std::string value;       // the command line, file path or variable name
  std::string config_key;  // e.g. "accounts[0].password_cmd", for error messages
  bool operator==(const SecretSource&) const = default;
};

// The OAuth 2.0 endpoints and scopes of an account prospectd signs in itself (auth = "oauth2"),
// from its provider's preset and the oauth_* overrides.
struct OAuthEndpoints {
  std::string authorize_uri;
  std::string token_uri;
  std::string device_uri;  // empty: no device flow
  std::string scopes;      // space-separated
  std::string authorize_extras;
  std::string provider_name;  // for messages: "Microsoft", "Google", "the identity provider"
  bool operator==(const OAuthEndpoints&) const = default;
};

struct AccountConfig {
  std::string name;
  std::string type;  // "imap" | "gmail"
  std::string username;
  std::chrono::seconds poll_interval{60};
  // imap
  std::string url;
  SecretSource password;
  std::vector<std::string> folders;  // empty: INBOX + the \Sent folder
  std::string ca_file;
  std::string starttls = "auto";  // "auto" | "required" | "off"
  // "password" | "xoauth2" (a token from the password source, e.g. a token helper) | "oauth2"
  // (prospectd signs in: client_id, token_file, oauth)
  std::string auth = "password";
  std::string provider = "custom";  // "microsoft" | "google" | "custom"
  std::string tenant;               // microsoft: common | organizations | consumers | a tenant id
  OAuthEndpoints oauth;
  std::optional<SinceWindow> since;  // the first sync reaches back this far; none: all mail
  std::uint32_t batch_size = 1000;   // messages per stored batch (one transaction each)
  // gmail
  // gmail, and imap with auth = "oauth2"
  std::string client_id;
  SecretSource client_secret;
  std::string token_file;  // empty: data_dir/NAME.oauth-token.json (Config::token_file_of)
  std::string api_base = "https://gmail.googleapis.com";
  std::string token_uri = "https://oauth2.googleapis.com/token";
  std::uint32_t quota_units_per_second = 250;  // Google's per-user rate limit
  bool operator==(const AccountConfig&) const = default;
};

// A configurable forward rule (ARCHITECTURE.md "Stages"): an inbound human message from a contact whose
// subject or snippet matches `pattern` moves the contact forward to `stage`.
struct StageRuleConfig {
  std::string name;
  std::string stage;    // opportunity | customer | disqualified
  std::string pattern;  // ECMAScript regular expression, matched case-insensitively
  bool match_subject = true;
  bool match_snippet = true;
  bool enabled = true;
  bool operator==(const StageRuleConfig&) const = default;
};

// The team's shared pipeline in PostgreSQL (ARCHITECTURE.md "Team and webhooks").
struct TeamConfig {
  std::string database;   // libpq URI (postgresql://...) or key=value conninfo, without a password
  SecretSource password;  // password_cmd / _file / _env; none: libpq's own (~/.pgpass, PGPASSWORD)
  std::string rep;        // this rep's name in the team tables
  bool share_subjects = false;
  bool operator==(const TeamConfig&) const = default;
};

// A receiver of signed stage events (ARCHITECTURE.md "Team and webhooks").
struct WebhookConfig {
  std::string url;  // https://, or http:// to a loopback address
  SecretSource secret;
  std::vector<std::string> events;  // stage_changed and/or contact_created (default both)
  std::string ca_file;              // trust a private CA for this receiver
  std::chrono::seconds timeout{10};
  bool operator==(const WebhookConfig&) const = default;
};

struct Config {
  std::filesystem::path source;  // the file it was read from
  std::filesystem::path data_dir;
  std::string http_listen = "127.0.0.1:8787";
  std::vector<std::string> own_addresses;
  std::vector<std::string> internal_domains;
  std::vector<std::string> blocklist;  // addresses or domains that never become contacts
  int gone_quiet_days = 14;            // a prospect with no message for this long has gone quiet
  std::vector<StageRuleConfig> stage_rules;
  std::string log_level = "info";
  std::filesystem::path log_file;
  std::vector<AccountConfig> accounts;
  std::optional<TeamConfig> team;
  std::vector<WebhookConfig> webhooks;

  std::filesystem::path store_file() const { return data_dir / "prospectd.sqlite"; }
  const AccountConfig* find_account(std::string_view name) const;
  // Where `prospectd auth` keeps the account's refresh token.
  std::filesystem::path token_file_of(const AccountConfig& account) const;
};

// $XDG_CONFIG_HOME/prospectd/config.toml (or ~/.config/...).
std::filesystem::path default_config_path();
// $XDG_DATA_HOME/prospectd (or ~/.local/share/prospectd).
std::filesystem::path default_data_dir();

// Reads and validates a config file. Throws ConfigError with file, line and key.
Config load_config(const std::filesystem::path& file);
// The same from text (for tests); `source_name` is used in messages.
Config parse_config(std::string_view text, const std::filesystem::path& source_name);

// "90s", "5m", "2h", "1d", "250ms" (rounded up to whole seconds) or a bare number of seconds.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace prospectd::config
