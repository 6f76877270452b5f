// The config file (README "Configuration"): what a minimal file defaults to, what every key reads
// as, and errors that name the file, the line and the key of the mistake.
#include "config/config.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "tests/unit/config/parse_helpers.h"
#include "tests/unit/config/scoped_env.h"

namespace prospectd::config {
namespace {

using namespace std::chrono_literals;

// One IMAP account with only the required keys; its table starts on line 1.
constexpr std::string_view kImapAccount = R"([[accounts]]
name = "work"
type = "imap"
url = "imaps://imap.example.com"
username = "rep@acme-sales.com"
password_cmd = "pass show mail/work"
)";

Config parse(std::string_view text) { return parse_config(text, "/etc/prospectd/config.toml"); }

using test::error_of;

TEST_CASE("an IMAP account with only the required keys gets the documented defaults") {
  const Config config = parse(kImapAccount);
  REQUIRE(config.accounts.size() == 1);
  const AccountConfig& account = config.accounts[0];
  CHECK(account.name == "work");
  CHECK(account.type == "imap");
  CHECK(account.url == "imaps://imap.example.com");
  CHECK(account.username == "rep@acme-sales.com");
  CHECK(account.password ==
        SecretSource{SecretSource::Kind::command, "pass show mail/work", "accounts[0].password_cmd"});
  CHECK(account.poll_interval == 60s);
  CHECK(account.folders.empty());
  CHECK(account.starttls == "auto");
  CHECK(account.auth == "password");
  CHECK(account.batch_size == 1000);
  CHECK(account.ca_file.empty());
}

TEST_CASE("a file without optional tables gets the documented top-level defaults") {
  const Config config = parse(kImapAccount);
  CHECK(config.source == "/etc/prospectd/config.toml");
  CHECK(config.http_listen == "127.0.0.1:8787");
  CHECK(config.own_addresses.empty());
  CHECK(config.internal_domains.empty());
  CHECK(config.blocklist.empty());
  CHECK(config.gone_quiet_days == 14);
  CHECK(config.stage_rules.empty());
  CHECK(config.log_level == "info");
  CHECK(config.log_file.empty());
}

TEST_CASE("an empty file is a valid config with no accounts") {
  const Config config = parse("");
  CHECK(config.accounts.empty());
  CHECK(config.find_account("work") == nullptr);
}

TEST_CASE("without data_dir the store lives under $XDG_DATA_HOME/prospectd") {
  test::ScopedEnv data_home("XDG_DATA_HOME", "/srv/data-home");
  const Config config = parse(kImapAccount);
  CHECK(config.data_dir == "/srv/data-home/prospectd");
  CHECK(config.store_file() == "/srv/data-home/prospectd/prospectd.sqlite");
}

TEST_CASE("without XDG variables the default paths fall back below $HOME") {
  test::ScopedEnv data_home("XDG_DATA_HOME", std::nullopt);
  test::ScopedEnv config_home("XDG_CONFIG_HOME", std::nullopt);
  test::ScopedEnv home("HOME", "/home/rep");
  CHECK(default_data_dir() == "/home/rep/.local/share/prospectd");
  CHECK(default_config_path() == "/home/rep/.config/prospectd/config.toml");
}

TEST_CASE("the default config path follows $XDG_CONFIG_HOME") {
  test::ScopedEnv config_home("XDG_CONFIG_HOME", "/srv/config-home");
  CHECK(default_config_path() == "/srv/config-home/prospectd/config.toml");
}

TEST_CASE("a relative data_dir is taken relative to the config file's directory") {
  const Config relative = parse("data_dir = \"crm-data\"\n");
  CHECK(relative.data_dir == "/etc/prospectd/crm-data");
  CHECK(relative.store_file() == "/etc/prospectd/crm-data/prospectd.sqlite");
  const Config absolute = parse("data_dir = \"/var/lib/prospectd\"\n");
  CHECK(absolute.data_dir == "/var/lib/prospectd");
}

TEST_CASE("every optional key is read") {
  const Config config = parse(R"(data_dir = "/var/lib/prospectd"
[http]
listen = "127.0.0.1:9999"
[identity]
addresses = ["rep@acme-sales.com", "rep@acme.io"]
internal_domains = ["acme-sales.com"]
[contacts]
blocklist = ["linkedin.com", "noreply@example.com"]
gone_quiet_days = 30
[log]
level = "debug"
file = "/var/log/prospectd.log"
[[accounts]]
name = "work"
type = "imap"
url = "imap://mail.example.com:1143"
username = "rep@acme-sales.com"
password_file = "/run/secrets/imap"
poll_interval = "5m"
folders = ["INBOX", "Sent Items"]
ca_file = "/etc/ssl/private-ca.pem"
starttls = "required"
auth = "xoauth2"
batch_size = 250
[[accounts]]
name = "gmail"
type = "gmail"
username = "rep@gmail.com"
client_id = "client-123"
client_secret_env = "GMAIL_SECRET"
token_file = "/var/lib/prospectd/gmail-token.json"
poll_interval = 90
api_base = "http://127.0.0.1:8080"
token_uri = "http://127.0.0.1:8080/token"
quota_units_per_second = 50
)");
  CHECK(config.http_listen == "127.0.0.1:9999");
  CHECK(config.own_addresses == std::vector<std::string>{"rep@acme-sales.com", "rep@acme.io"});
  CHECK(config.internal_domains == std::vector<std::string>{"acme-sales.com"});
  CHECK(config.blocklist == std::vector<std::string>{"linkedin.com", "noreply@example.com"});
  CHECK(config.gone_quiet_days == 30);
  CHECK(config.log_level == "debug");
  CHECK(config.log_file == "/var/log/prospectd.log");
  REQUIRE(config.accounts.size() == 2);

  const AccountConfig* imap = config.find_account("work");
  REQUIRE(imap != nullptr);
  CHECK(imap->url == "imap://mail.example.com:1143");
  CHECK(imap->password == SecretSource{SecretSource::Kind::file, "/run/secrets/imap", "accounts[0].password_file"});
  CHECK(imap->poll_interval == 5min);
  CHECK(imap->folders == std::vector<std::string>{"INBOX", "Sent Items"});
  CHECK(imap->ca_file == "/etc/ssl/private-ca.pem");
  CHECK(imap->starttls == "required");
  CHECK(imap->auth == "xoauth2");
  CHECK(imap->batch_size == 250);

  const AccountConfig* gmail = config.find_account("gmail");
  REQUIRE(gmail != nullptr);
  CHECK(gmail->type == "gmail");
  CHECK(gmail->client_id == "client-123");
  CHECK(gmail->client_secret ==
        SecretSource{SecretSource::Kind::environment, "GMAIL_SECRET", "accounts[1].client_secret_env"});
  CHECK(gmail->token_file == "/var/lib/prospectd/gmail-token.json");
  CHECK(gmail->poll_interval == 90s);
  CHECK(gmail->api_base == "http://127.0.0.1:8080");
  CHECK(gmail->token_uri == "http://127.0.0.1:8080/token");
  CHECK(gmail->quota_units_per_second == 50);
}

TEST_CASE("a Gmail account defaults to Google's endpoints and per-user rate") {
  const Config config = parse(R"([[accounts]]
name = "gmail"
type = "gmail"
username = "rep@gmail.com"
client_id = "client-123"
client_secret_cmd = "pass show gmail"
token_file = "token.json"
)");
  REQUIRE(config.accounts.size() == 1);
  CHECK(config.accounts[0].api_base == "https://gmail.googleapis.com");
  CHECK(config.accounts[0].token_uri == "https://oauth2.googleapis.com/token");
  CHECK(config.accounts[0].quota_units_per_second == 250);
  CHECK(config.accounts[0].client_secret.kind == SecretSource::Kind::command);
}

TEST_CASE("find_account finds accounts by exact name only") {
  const Config config = parse(kImapAccount);
  REQUIRE(config.find_account("work") != nullptr);
  CHECK(config.find_account("work")->username == "rep@acme-sales.com");
  CHECK(config.find_account("Work") == nullptr);
  CHECK(config.find_account("") == nullptr);
}

TEST_CASE("an unknown key is an error naming the file, its line and the qualified key") {
  CHECK(error_of(std::string(kImapAccount) + "password_command = \"x\"\n") ==
        "config.toml:7: accounts[0].password_command: unknown key");
  CHECK(error_of("[http]\nlisten = \"127.0.0.1:1\"\nport = 8787\n") == "config.toml:3: http.port: unknown key");
}

TEST_CASE("a misspelt key gets the known key it is a typo of") {
  CHECK(error_of("\n\ndatadir = \"/tmp\"\n") == "config.toml:3: datadir: unknown key (did you mean \"data_dir\"?)");
  CHECK(error_of("[identity]\nadresses = []\n") ==
        "config.toml:2: identity.adresses: unknown key (did you mean \"addresses\"?)");
  std::string text(kImapAccount);
  text.replace(text.find("username"), 8, "usernmae");
  CHECK(error_of(text) == "config.toml:5: accounts[0].usernmae: unknown key (did you mean \"username\"?)");
}

TEST_CASE("an unknown key that contains or is contained in a known one gets a suggestion") {
  CHECK(error_of("[http]\nlisten_address = \"127.0.0.1:1\"\n") ==
        "config.toml:2: http.listen_address: unknown key (did you mean \"listen\"?)");
  CHECK(error_of("[log]\nlog_file = \"x\"\n") == "config.toml:2: log.log_file: unknown key (did you mean \"file\"?)");
}

TEST_CASE("a misspelt password_cmd is reported as in the README") {
  const std::string text = std::string(kImapAccount).replace(kImapAccount.find("password_cmd"), 12, "pasword_cmd");
  CHECK(error_of(text) == "config.toml:6: accounts[0].pasword_cmd: unknown key (did you mean \"password_cmd\"?)");
}

TEST_CASE("a TOML syntax error names the file and line") {
  const std::string error = error_of("[http]\nlisten = \"127.0.0.1:1\"\nthis is not toml\n");
  CHECK(error.starts_with("config.toml:3: "));
  CHECK(error.size() > std::string("config.toml:3: ").size());
}

TEST_CASE("a value of the wrong type is an error naming the key") {
  CHECK(error_of("data_dir = 5\n") == "config.toml:1: data_dir: must be a string");
  CHECK(error_of("[contacts]\ngone_quiet_days = \"two weeks\"\n") ==
        "config.toml:2: contacts.gone_quiet_days: must be a whole number");
  CHECK(error_of("[identity]\naddresses = \"rep@acme.io\"\n") ==
        "config.toml:2: identity.addresses: must be a list of strings");
  CHECK(error_of("[identity]\naddresses = [\"rep@acme.io\", 3]\n") ==
        "config.toml:2: identity.addresses: must be a list of strings");
  CHECK(error_of("http = \"127.0.0.1:1\"\n") == "config.toml:1: http: must be a table ([http])");
  CHECK(error_of("accounts = 1\n") == "config.toml:1: accounts: must be an array of tables ([[accounts]])");
}

TEST_CASE("a missing required account key is named, at the account's table") {
  CHECK(error_of("[[accounts]]\ntype = \"imap\"\nusername = \"rep@acme-sales.com\"\n") ==
        "config.toml:1: accounts[0].name: missing (required)");
  std::string text(kImapAccount);
  text.erase(text.find("username"), text.find('\n', text.find("username")) - text.find("username") + 1);
  CHECK(error_of(text) == "config.toml:1: accounts[0].username: missing (required)");
  CHECK(error_of("[[accounts]]\nname = \"\"\ntype = \"imap\"\n") ==
        "config.toml:1: accounts[0].name: missing (required)");
}

TEST_CASE("an account's type must be imap or gmail") {
  CHECK(error_of("[[accounts]]\nname = \"x\"\ntype = \"pop3\"\nusername = \"u\"\n") ==
        "config.toml:3: accounts[0].type: must be \"imap\" or \"gmail\" (got \"pop3\")");
}

TEST_CASE("an IMAP url must use imap:// or imaps://") {
  std::string text(kImapAccount);
  text.replace(text.find("imaps://"), 8, "https://");
  CHECK(error_of(text) ==
        "config.toml:1: accounts[0].url: must start with imap:// or imaps:// (got \"https://imap.example.com\")");
}

TEST_CASE("an IMAP account needs exactly one password source") {
  std::string none(kImapAccount);
  none.erase(none.find("password_cmd"));
  CHECK(error_of(none) ==
        "config.toml:1: accounts[0].password_cmd: an IMAP account needs password_cmd, password_file or password_env"
        " (or auth = \"oauth2\" to sign in with OAuth)");
  CHECK(error_of(std::string(kImapAccount) + "password_env = \"IMAP_PASSWORD\"\n") ==
        "config.toml:1: accounts[0].password: give only one of password_cmd, password_file, password_env");
}

TEST_CASE("the errors of later accounts name their index") {
  const std::string second = std::string(kImapAccount) + "\n" +
                             std::string(kImapAccount).replace(kImapAccount.find("\"work\""), 6, "\"home\"") +
                             "starttls = \"maybe\"\n";
  CHECK(error_of(second) == "config.toml:14: accounts[1].starttls: must be \"auto\", \"required\" or \"off\"");
}

TEST_CASE("enumerated and bounded account settings refuse other values") {
  const std::string base(kImapAccount);
  CHECK(error_of(base + "auth = \"oauth\"\n") ==
        "config.toml:7: accounts[0].auth: must be \"password\", \"xoauth2\" or \"oauth2\"");
  CHECK(error_of(base + "batch_size = 0\n") == "config.toml:7: accounts[0].batch_size: must be between 1 and 100000");
  CHECK(error_of(base + "batch_size = 100001\n") ==
        "config.toml:7: accounts[0].batch_size: must be between 1 and 100000");
  CHECK(parse(base + "batch_size = 100000\n").accounts[0].batch_size == 100000);
  CHECK(parse(base + "batch_size = 1\n").accounts[0].batch_size == 1);
  CHECK(parse(base + "starttls = \"off\"\n").accounts[0].starttls == "off");
  const std::string gmail =
      "[[accounts]]\nname = \"g\"\ntype = \"gmail\"\nusername = \"u\"\nclient_id = \"c\"\ntoken_file = \"t\"\n";
  CHECK(error_of(gmail + "quota_units_per_second = 0\n") ==
        "config.toml:7: accounts[0].quota_units_per_second: must be between 1 and 100000 (Google's per-user limit is "
        "250)");
  CHECK(error_of(gmail + "url = \"imaps://x\"\n") == "config.toml:7: accounts[0].url: unknown key");
}

TEST_CASE("a Gmail account needs its client id and token file") {
  CHECK(error_of("[[accounts]]\nname = \"g\"\ntype = \"gmail\"\nusername = \"u\"\ntoken_file = \"t\"\n") ==
        "config.toml:1: accounts[0].client_id: missing (required)");
  CHECK(error_of("[[accounts]]\nname = \"g\"\ntype = \"gmail\"\nusername = \"u\"\nclient_id = \"c\"\n") ==
        "config.toml:1: accounts[0].token_file: missing (required)");
}

TEST_CASE("poll_interval takes a duration or whole seconds, and must be positive") {
  const std::string base(kImapAccount);
  CHECK(parse(base + "poll_interval = \"2h\"\n").accounts[0].poll_interval == 2h);
  CHECK(parse(base + "poll_interval = 45\n").accounts[0].poll_interval == 45s);
  CHECK(parse(base + "poll_interval = \"1500ms\"\n").accounts[0].poll_interval == 2s);
  const std::string message =
      "config.toml:7: accounts[0].poll_interval: must be a duration such as \"60s\", \"5m\" or \"1h\"";
  CHECK(error_of(base + "poll_interval = \"soon\"\n") == message);
  CHECK(error_of(base + "poll_interval = 0\n") == message);
  CHECK(error_of(base + "poll_interval = -5\n") == message);
  CHECK(error_of(base + "poll_interval = \"0s\"\n") == message);
  CHECK(error_of(base + "poll_interval = 1.5\n") == message);
}

TEST_CASE("gone_quiet_days must be between 1 and 3650") {
  CHECK(parse("[contacts]\ngone_quiet_days = 1\n").gone_quiet_days == 1);
  CHECK(parse("[contacts]\ngone_quiet_days = 3650\n").gone_quiet_days == 3650);
  CHECK(error_of("[contacts]\ngone_quiet_days = 0\n") ==
        "config.toml:2: contacts.gone_quiet_days: must be between 1 and 3650");
  CHECK(error_of("[contacts]\ngone_quiet_days = 3651\n") ==
        "config.toml:2: contacts.gone_quiet_days: must be between 1 and 3650");
}

TEST_CASE("two accounts with one name are refused at the second") {
  const std::string text = std::string(kImapAccount) + "\n" + std::string(kImapAccount);
  CHECK(error_of(text) == "config.toml:8: accounts[1].name: \"work\" is used by another account");
}

TEST_CASE("stage rules are read in order, matching subject and snippet unless fields says otherwise") {
  const Config config = parse(R"([[stage_rules]]
name = "pricing"
stage = "opportunity"
pattern = "pricing|quote"

[[stage_rules]]
name = "signed"
stage = "customer"
pattern = "signed contract"
fields = ["subject"]
enabled = false

[[stage_rules]]
name = "unsubscribe"
stage = "disqualified"
pattern = "not interested"
fields = ["snippet"]

[[stage_rules]]
name = "replied"
stage = "prospect"
pattern = "call"
)");
  REQUIRE(config.stage_rules.size() == 4);
  CHECK(config.stage_rules[0] == StageRuleConfig{"pricing", "opportunity", "pricing|quote", true, true, true});
  CHECK(config.stage_rules[1] == StageRuleConfig{"signed", "customer", "signed contract", true, false, false});
  CHECK(config.stage_rules[2] == StageRuleConfig{"unsubscribe", "disqualified", "not interested", false, true, true});
  CHECK(config.stage_rules[3].stage == "prospect");
}

TEST_CASE("a stage rule's mistakes are named with their rule's index") {
  const std::string rule = "[[stage_rules]]\nname = \"r\"\n";
  CHECK(error_of(rule + "stage = \"won\"\npattern = \"x\"\n") ==
        "config.toml:3: stage_rules[0].stage: must be \"prospect\", \"opportunity\", \"customer\" or \"disqualified\"");
  CHECK(error_of(rule + "stage = \"lead\"\npattern = \"x\"\n") ==
        "config.toml:3: stage_rules[0].stage: must be \"prospect\", \"opportunity\", \"customer\" or \"disqualified\"");
  CHECK(error_of(rule + "stage = \"customer\"\n") == "config.toml:1: stage_rules[0].pattern: missing (required)");
  CHECK(error_of(rule + "stage = \"customer\"\npattern = \"x\"\nfields = [\"body\"]\n") ==
        "config.toml:5: stage_rules[0].fields: may hold \"subject\" and \"snippet\" (got \"body\")");
  CHECK(error_of(rule + "stage = \"customer\"\npattern = \"x\"\nenabled = \"yes\"\n") ==
        "config.toml:5: stage_rules[0].enabled: must be true or false");
  CHECK(error_of(rule + "stage = \"customer\"\npattern = \"x\"\nfield = [\"subject\"]\n") ==
        "config.toml:5: stage_rules[0].field: unknown key (did you mean \"fields\"?)");
  CHECK(error_of("[[stage_rules]]\nname = \"a\"\nstage = \"customer\"\npattern = \"x\"\n[[stage_rules]]\nname = "
                 "\"b\"\nstage = \"nope\"\npattern = \"x\"\n") ==
        "config.toml:7: stage_rules[1].stage: must be \"prospect\", \"opportunity\", \"customer\" or \"disqualified\"");
}

TEST_CASE("a stage rule whose pattern is not a regular expression is refused at load") {
  const std::string error = error_of("[[stage_rules]]\nname = \"r\"\nstage = \"customer\"\npattern = \"(unclosed\"\n");
  CHECK(error.starts_with("config.toml:4: stage_rules[0].pattern: is not a valid regular expression: "));
}

TEST_CASE("load_config reads a file and names it in errors") {
  test::TempDir dir;
  const auto good = dir.write("config.toml", std::string(kImapAccount));
  const Config config = load_config(good);
  CHECK(config.source == good);
  REQUIRE(config.accounts.size() == 1);
  CHECK(config.accounts[0].name == "work");

  const auto bad = dir.write("bad.toml", "[http]\nlisten = \"127.0.0.1:1\"\nlisten_port = 1\n");
  CHECK_THROWS_WITH_AS(load_config(bad),
                       (bad.string() + ":3: http.listen_port: unknown key (did you mean \"listen\"?)").c_str(),
                       ConfigError);
}

TEST_CASE("load_config of a missing file says how to create one") {
  test::TempDir dir;
  const auto missing = dir.path() / "nowhere.toml";
  CHECK_THROWS_WITH_AS(
      load_config(missing),
      (missing.string() + ": no such config file (create one with `prospectd init`, or pass --config PATH)").c_str(),
      ConfigError);
}

TEST_CASE("the example config shipped in packaging/ loads") {
  const Config config = load_config(PROSPECTD_EXAMPLE_CONFIG);
  REQUIRE_FALSE(config.accounts.empty());
  CHECK(config.accounts[0].password.kind != SecretSource::Kind::none);
  CHECK_FALSE(config.stage_rules.empty());
}

}  // namespace
}  // namespace prospectd::config
