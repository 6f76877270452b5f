// IMAP accounts that prospectd signs in to with OAuth (auth = "oauth2"): what provider = "microsoft"
// and "google" fill in, what the oauth_* keys override, the `since` window, and the errors.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "config/config.h"
#include "config/since_window.h"
#include "tests/unit/config/parse_helpers.h"

namespace prospectd::config {
namespace {

Config parse_provider_config(std::string_view text) {
  return parse_config(text, "/home/rep/.config/prospectd/config.toml");
}

using test::error_of;

// The account table starts on line 2 (line 1 is data_dir).
std::string account(std::string_view keys) {
  return "data_dir = \"/var/lib/rep\"\n[[accounts]]\nname = \"work\"\ntype = \"imap\"\nusername = "
         "\"rep@contoso.com\"\n" +
         std::string(keys);
}

TEST_CASE("provider = microsoft fills in the server, the endpoints of the tenant and the IMAP scope") {
  const Config config =
      parse_provider_config(account("provider = \"microsoft\"\nclient_id = \"app\"\ntenant = \"organizations\"\n"));
  const AccountConfig& work = config.accounts.at(0);
  CHECK(work.auth == "oauth2");  // Microsoft accepts no password for IMAP
  CHECK(work.url == "imaps://outlook.office365.com:993");
  CHECK(work.oauth.authorize_uri == "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize");
  CHECK(work.oauth.token_uri == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
  CHECK(work.oauth.device_uri == "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode");
  CHECK(work.oauth.scopes == "https://outlook.office.com/IMAP.AccessAsUser.All offline_access");
  CHECK(work.oauth.provider_name == "Microsoft");
  CHECK(work.token_file == "/var/lib/rep/work.oauth-token.json");
  CHECK(work.folders.empty());  // INBOX + the \Sent folder ("Sent Items" by name where not special-use)
  const Config common = parse_provider_config(account("provider = \"microsoft\"\nclient_id = \"app\"\n"));
  CHECK(common.accounts.at(0).tenant == "common");
  CHECK(common.accounts.at(0).oauth.token_uri == "https://login.microsoftonline.com/common/oauth2/v2.0/token");
}

TEST_CASE("provider = google fills in Gmail's IMAP server, the mail scope, offline access and no device flow") {
  const Config config =
      parse_provider_config(account("provider = \"google\"\nclient_id = \"app\"\nclient_secret_env = \"S\"\n"));
  const AccountConfig& work = config.accounts.at(0);
  CHECK(work.url == "imaps://imap.gmail.com:993");
  CHECK(work.oauth.token_uri == "https://oauth2.googleapis.com/token");
  CHECK(work.oauth.scopes == "https://mail.google.com/");
  CHECK(work.oauth.authorize_extras == "access_type=offline&prompt=consent");
  CHECK(work.oauth.device_uri.empty());
  CHECK(work.client_secret.kind == SecretSource::Kind::environment);
}

TEST_CASE("every endpoint, the scopes, the url and the token file can be overridden") {
  const Config config = parse_provider_config(
      account("provider = \"microsoft\"\nclient_id = \"app\"\nurl = \"imap://127.0.0.1:1143\"\n"
              "oauth_authorize_uri = \"http://127.0.0.1:9/authorize\"\noauth_token_uri = \"http://127.0.0.1:9/token\"\n"
              "oauth_device_uri = \"http://localhost:9/device\"\noauth_scopes = [\"imap\", \"offline_access\"]\n"
              "token_file = \"/secrets/work.json\"\nca_file = \"/etc/ca.pem\"\n"));
  const AccountConfig& work = config.accounts.at(0);
  CHECK(work.url == "imap://127.0.0.1:1143");
  CHECK(work.oauth.authorize_uri == "http://127.0.0.1:9/authorize");
  CHECK(work.oauth.token_uri == "http://127.0.0.1:9/token");
  CHECK(work.oauth.device_uri == "http://localhost:9/device");
  CHECK(work.oauth.scopes == "imap offline_access");
  CHECK(work.token_file == "/secrets/work.json");
}

TEST_CASE("a custom provider with oauth2 names its url, token endpoint and scopes") {
  const std::string custom = "url = \"imaps://mail.example.com\"\nauth = \"oauth2\"\nclient_id = \"app\"\n";
  CHECK(error_of(account(custom)) ==
        "config.toml:2: accounts[0].oauth_token_uri: missing (required with provider = \"custom\" and auth = "
        "\"oauth2\")");
  CHECK(error_of(account(custom + "oauth_token_uri = \"https://id.example.com/token\"\n")) ==
        "config.toml:2: accounts[0].oauth_scopes: missing (required with provider = \"custom\" and auth = \"oauth2\")");
  const Config config = parse_provider_config(
      account(custom + "oauth_token_uri = \"https://id.example.com/token\"\noauth_scopes = [\"mail\"]\n"));
  CHECK(config.accounts.at(0).oauth.provider_name == "the identity provider");
  CHECK(error_of(account("auth = \"oauth2\"\nclient_id = \"app\"\n")) ==
        "config.toml:2: accounts[0].url: missing (required)");
}

TEST_CASE("OAuth settings that are wrong name their line and key") {
  CHECK(error_of(account("provider = \"yahoo\"\n")) ==
        "config.toml:6: accounts[0].provider: must be \"microsoft\", \"google\" or \"custom\" (got \"yahoo\")");
  CHECK(error_of(account("provider = \"microsoft\"\n")) == "config.toml:2: accounts[0].client_id: missing (required)");
  CHECK(error_of(account("provider = \"google\"\nclient_id = \"a\"\ntenant = \"common\"\n")) ==
        "config.toml:8: accounts[0].tenant: is only for provider = \"microsoft\"");
  CHECK(error_of(account("provider = \"microsoft\"\nclient_id = \"a\"\ntenant = \"x/../y\"\n")) ==
        "config.toml:8: accounts[0].tenant: must be common, organizations, consumers or a tenant id or domain");
  CHECK(error_of(
            account("provider = \"microsoft\"\nclient_id = \"a\"\noauth_token_uri = \"http://id.example.com/t\"\n")) ==
        "config.toml:8: accounts[0].oauth_token_uri: must be an https:// URL (http:// only to 127.0.0.1 or "
        "localhost), got \"http://id.example.com/t\"");
  CHECK(error_of(account("provider = \"microsoft\"\nclient_id = \"a\"\noauth_scopes = []\n")) ==
        "config.toml:8: accounts[0].oauth_scopes: must not be empty");
  CHECK(error_of(account("url = \"imaps://m\"\npassword_env = \"P\"\nclient_id = \"a\"\n")) ==
        "config.toml:8: accounts[0].client_id: is for auth = \"oauth2\" (this account has auth = \"password\")");
  CHECK(error_of(account("provider = \"microsoft\"\nauth = \"password\"\n")) ==
        "config.toml:2: accounts[0].password_cmd: an IMAP account needs password_cmd, password_file or password_env "
        "(or auth = \"oauth2\" to sign in with OAuth)");
}

TEST_CASE("a Google account may still use an app password") {
  const Config config =
      parse_provider_config(account("provider = \"google\"\nauth = \"password\"\npassword_env = \"APP_PASSWORD\"\n"));
  CHECK(config.accounts.at(0).auth == "password");
  CHECK(config.accounts.at(0).url == "imaps://imap.gmail.com:993");
}

TEST_CASE("since takes a date or a window back from today, and names its line when it is neither") {
  const std::string imap = "url = \"imaps://m\"\npassword_env = \"P\"\n";
  CHECK(parse_provider_config(account(imap + "since = \"2y\"\n")).accounts.at(0).since->unit == 'y');
  CHECK(!parse_provider_config(account(imap)).accounts.at(0).since.has_value());
  for (const char* bad : {"2", "y", "0d", "2x", "2024-02-30", "101y", "-3d", "2024-1-5"}) {
    CAPTURE(bad);
    CHECK(error_of(account(imap + "since = \"" + bad + "\"\n"))
              .starts_with("config.toml:8: accounts[0].since: must be a date"));
  }
}

TEST_CASE("a since window resolves by the calendar") {
  using namespace std::chrono;
  const sys_days today = sys_days(year(2026) / December / 7);
  CHECK(parse_since("2y")->first_day(today) == sys_days(year(2024) / December / 7));
  CHECK(parse_since("90d")->first_day(today) == today - days(90));
  CHECK(parse_since("2w")->first_day(today) == sys_days(year(2026) / November / 23));
  CHECK(parse_since("1m")->first_day(sys_days(year(2026) / March / 31)) == sys_days(year(2026) / February / 28));
  CHECK(parse_since("1y")->first_day(sys_days(year(2024) / February / 29)) == sys_days(year(2023) / February / 28));
  CHECK(parse_since("2024-01-31")->first_day(today) == sys_days(year(2024) / January / 31));
  CHECK(!parse_since("1969-12-31").has_value());
}

}  // namespace
}  // namespace prospectd::config
