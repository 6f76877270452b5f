// The [team] table and [[webhooks]] entries (README "Configuration", ARCHITECTURE.md "Team and
// webhooks"): what they read as, their defaults, and the errors (file:line:key) that keep a
// password out of the file and contacts off plain http to other machines.
#include "config/team_config.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "tests/unit/config/parse_helpers.h"

namespace prospectd::config {
namespace {

using namespace std::chrono_literals;
using test::error_of;

Config parse_team_config(std::string_view text) { return parse_config(text, "config.toml"); }

// A [team] table with only the required keys, starting on line 1.
constexpr std::string_view kTeam = R"([team]
database = "postgresql://rep@db.acme-sales.com:5432/pipeline"
rep = "dana"
)";

// A [[webhooks]] entry with only the required keys, starting on line 1.
constexpr std::string_view kWebhook = R"([[webhooks]]
url = "https://hooks.acme-sales.com/prospectd"
secret_env = "PROSPECTD_HOOK_SECRET"
)";

// kWebhook with its url replaced by `url`.
std::string webhook_with_url(const std::string& url) {
  return "[[webhooks]]\nurl = \"" + url + "\"\nsecret_env = \"PROSPECTD_HOOK_SECRET\"\n";
}

constexpr const char* kCarriesPassword =
    "carries a password: put it in password_file, password_cmd or password_env instead";

TEST_CASE("a [team] table with only the required keys gets the documented defaults") {
  const Config config = parse_team_config(kTeam);
  REQUIRE(config.team.has_value());
  CHECK(config.team->database == "postgresql://rep@db.acme-sales.com:5432/pipeline");
  CHECK(config.team->rep == "dana");
  CHECK(config.team->password.kind == SecretSource::Kind::none);
  CHECK_FALSE(config.team->share_subjects);
  CHECK(config.webhooks.empty());
}

TEST_CASE("without [team] there is no team database") { CHECK_FALSE(parse_team_config("").team.has_value()); }

TEST_CASE("[team] reads a key=value database, a password source and share_subjects") {
  const Config config = parse_team_config(R"([team]
database = "host=db.acme-sales.com port=5432 dbname=pipeline user=dana sslmode=verify-full"
password_file = "/etc/prospectd/team-password"
rep = "Dana Scully"
share_subjects = true
)");
  REQUIRE(config.team.has_value());
  CHECK(config.team->database == "host=db.acme-sales.com port=5432 dbname=pipeline user=dana sslmode=verify-full");
  CHECK(config.team->password ==
        SecretSource{SecretSource::Kind::file, "/etc/prospectd/team-password", "team.password_file"});
  CHECK(config.team->rep == "Dana Scully");
  CHECK(config.team->share_subjects);

  CHECK(parse_team_config(std::string(kTeam) + "password_cmd = \"pass show team\"\n").team->password ==
        SecretSource{SecretSource::Kind::command, "pass show team", "team.password_cmd"});
  CHECK(parse_team_config(std::string(kTeam) + "password_env = \"TEAM_PASSWORD\"\n").team->password ==
        SecretSource{SecretSource::Kind::environment, "TEAM_PASSWORD", "team.password_env"});
  CHECK_FALSE(parse_team_config(std::string(kTeam) + "share_subjects = false\n").team->share_subjects);
}

TEST_CASE("[team] without database or rep is an error at the table") {
  CHECK(error_of("[team]\nrep = \"dana\"\n") == "config.toml:1: team.database: missing (required)");
  CHECK(error_of("\n[team]\ndatabase = \"postgresql://h/db\"\n") == "config.toml:2: team.rep: missing (required)");
  CHECK(error_of("[team]\ndatabase = \"\"\nrep = \"dana\"\n") == "config.toml:1: team.database: missing (required)");
}

TEST_CASE("a team database that carries a password is refused") {
  CHECK(error_of("[team]\ndatabase = \"postgresql://u:pw@h/db\"\nrep = \"dana\"\n") ==
        std::string("config.toml:2: team.database: ") + kCarriesPassword);
  CHECK(error_of("[team]\nrep = \"dana\"\ndatabase = \"host=h dbname=db password=hunter2\"\n") ==
        std::string("config.toml:3: team.database: ") + kCarriesPassword);
  CHECK(error_of("[team]\ndatabase = \"postgresql://u@h/db?password=hunter2\"\nrep = \"dana\"\n") ==
        std::string("config.toml:2: team.database: ") + kCarriesPassword);
}

TEST_CASE("a team database that is not a PostgreSQL connection string is refused") {
  CHECK(error_of("[team]\ndatabase = \"mysql://u@h/db\"\nrep = \"dana\"\n") ==
        "config.toml:2: team.database: must be a PostgreSQL URI (postgresql://user@host:5432/database) or "
        "key=value settings (\"host=... dbname=... user=...\")");
  CHECK(error_of("[team]\ndatabase = \"db.acme-sales.com\"\nrep = \"dana\"\n")
            .starts_with("config.toml:2: team.database: must be a PostgreSQL URI"));
}

TEST_CASE("a team rep name must be short and printable") {
  CHECK(error_of(kTeam).empty());
  CHECK(error_of("[team]\ndatabase = \"postgresql://h/db\"\nrep = \"" + std::string(65, 'x') + "\"\n") ==
        "config.toml:3: team.rep: must be a short name without control characters (at most 64 bytes)");
  CHECK(error_of("[team]\ndatabase = \"postgresql://h/db\"\nrep = \"da\\nna\"\n")
            .starts_with("config.toml:3: team.rep:"));
  CHECK(error_of("[team]\ndatabase = \"postgresql://h/db\"\nrep = \"" + std::string(64, 'x') + "\"\n").empty());
}

TEST_CASE("an unknown key in [team] is an error with the key it is a typo of") {
  CHECK(error_of(std::string(kTeam) + "share_subject = true\n") ==
        "config.toml:4: team.share_subject: unknown key (did you mean \"share_subjects\"?)");
  CHECK(error_of("[team]\ndatabse = \"postgresql://h/db\"\nrep = \"dana\"\n") ==
        "config.toml:2: team.databse: unknown key (did you mean \"database\"?)");
  CHECK(error_of(std::string(kTeam) + "password = \"hunter2\"\n")
            .starts_with("config.toml:4: team.password: unknown key"));
  CHECK(error_of(std::string(kTeam) + "password_cmd = \"a\"\npassword_env = \"B\"\n") ==
        "config.toml:1: team.password: give only one of password_cmd, password_file, password_env");
}

TEST_CASE("a webhook with only the required keys takes both event types") {
  const Config config = parse_team_config(kWebhook);
  REQUIRE(config.webhooks.size() == 1);
  const WebhookConfig& webhook = config.webhooks[0];
  CHECK(webhook.url == "https://hooks.acme-sales.com/prospectd");
  CHECK(webhook.secret ==
        SecretSource{SecretSource::Kind::environment, "PROSPECTD_HOOK_SECRET", "webhooks[0].secret_env"});
  CHECK(webhook.events == std::vector<std::string>{"stage_changed", "contact_created"});
  CHECK(webhook.ca_file.empty());
  CHECK(webhook.timeout == 10s);
  CHECK_FALSE(config.team.has_value());
}

TEST_CASE("a webhook reads its events, CA file and timeout") {
  const Config config =
      parse_team_config(std::string(kWebhook) +
                        "events = [\"contact_created\"]\nca_file = \"/etc/ssl/hooks-ca.pem\"\ntimeout = \"60s\"\n"
                        "\n[[webhooks]]\nurl = \"http://127.0.0.1:9/x\"\nsecret_file = \"/etc/hook\"\n"
                        "events = [\"stage_changed\"]\ntimeout = 5\n");
  REQUIRE(config.webhooks.size() == 2);
  CHECK(config.webhooks[0].events == std::vector<std::string>{"contact_created"});
  CHECK(config.webhooks[0].ca_file == "/etc/ssl/hooks-ca.pem");
  CHECK(config.webhooks[0].timeout == 60s);
  CHECK(config.webhooks[1].url == "http://127.0.0.1:9/x");
  CHECK(config.webhooks[1].secret == SecretSource{SecretSource::Kind::file, "/etc/hook", "webhooks[1].secret_file"});
  CHECK(config.webhooks[1].events == std::vector<std::string>{"stage_changed"});
  CHECK(config.webhooks[1].timeout == 5s);
}

TEST_CASE("a webhook URL must be https, or http to a loopback address") {
  CHECK(error_of(webhook_with_url("ftp://hooks.acme-sales.com/x")) ==
        "config.toml:2: webhooks[0].url: must be an https:// URL (or http:// to a loopback address)");
  CHECK(error_of(webhook_with_url("http://hooks.acme-sales.com/x")) ==
        "config.toml:2: webhooks[0].url: must be https:// (plain http:// only to a loopback address such as "
        "127.0.0.1): events carry your contacts");
  for (const char* url : {"http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]:8/x", "https://hooks.example"}) {
    CAPTURE(url);
    CHECK(error_of(webhook_with_url(url)).empty());
  }
  CHECK(error_of("[[webhooks]]\nsecret_env = \"S\"\n") == "config.toml:1: webhooks[0].url: missing (required)");
}

TEST_CASE("a webhook needs a secret to sign with") {
  CHECK(error_of("[[webhooks]]\nurl = \"https://hooks.example/x\"\n") ==
        "config.toml:1: webhooks[0].secret_file: missing: give secret_file, secret_cmd or secret_env (the key of "
        "the X-Prospectd-Signature HMAC)");
}

TEST_CASE("a webhook's events must be known and at least one") {
  CHECK(error_of(std::string(kWebhook) + "events = [\"stage_changed\", \"contact_deleted\"]\n") ==
        "config.toml:4: webhooks[0].events: unknown event \"contact_deleted\" (known: \"stage_changed\", "
        "\"contact_created\")");
  CHECK(error_of(std::string(kWebhook) + "events = []\n") ==
        "config.toml:4: webhooks[0].events: must name at least one of \"stage_changed\", \"contact_created\"");
  CHECK(error_of(std::string(kWebhook) + "events = \"stage_changed\"\n") ==
        "config.toml:4: webhooks[0].events: must be a list of strings");
}

TEST_CASE("a webhook's timeout is at most a minute") {
  CHECK(error_of(std::string(kWebhook) + "timeout = \"61s\"\n") ==
        "config.toml:4: webhooks[0].timeout: must be at most 60s");
  CHECK(error_of(std::string(kWebhook) + "timeout = \"2m\"\n") ==
        "config.toml:4: webhooks[0].timeout: must be at most 60s");
  CHECK(error_of(std::string(kWebhook) + "timeout = \"1m\"\n").empty());
}

TEST_CASE("the same webhook URL twice is an error at the second entry") {
  CHECK(error_of(std::string(kWebhook) + "\n" + std::string(kWebhook)) ==
        "config.toml:5: webhooks[1].url: the same URL is configured twice");
  CHECK(error_of(std::string(kWebhook) + "\n" + webhook_with_url("https://hooks.acme-sales.com/other")).empty());
}

TEST_CASE("an unknown key in a webhook is an error with the key it is a typo of") {
  CHECK(error_of(std::string(kWebhook) + "event = [\"stage_changed\"]\n") ==
        "config.toml:4: webhooks[0].event: unknown key (did you mean \"events\"?)");
}

TEST_CASE("webhook_url_problem accepts https and loopback http only") {
  for (const char* url : {"https://hooks.example/x", "HTTPS://hooks.example/x", "Https://hooks.example",
                          "http://127.0.0.1/x", "HTTP://127.0.0.1:8080/x", "http://127.255.0.9/", "http://localhost",
                          "http://LocalHost:3000/hook?x=1", "http://[::1]/x", "http://user@127.0.0.1/x"}) {
    CAPTURE(url);
    CHECK_FALSE(webhook_url_problem(url).has_value());
  }
  for (const char* url :
       {"http://hooks.example/x", "http://127.0.0.1.hooks.example/x", "http://127.0.0.1@hooks.example/",
        "http://hooks.example#@127.0.0.1", "http://localhost.hooks.example/", "http://[::2]/x", "http://10.0.0.1/x",
        "http://128.0.0.1/", "ws://127.0.0.1/x", "hooks.example/x", ""}) {
    CAPTURE(url);
    CHECK(webhook_url_problem(url).has_value());
  }
  CHECK(webhook_url_problem("https://") == "has no host");
  CHECK(webhook_url_problem("https:///path") == "has no host");
  CHECK(webhook_url_problem("http:///x") == "has no host");
}

TEST_CASE("team_database_problem finds a password in either form and accepts the rest") {
  for (const char* database : {"postgresql://u@h/db", "postgres://h:5432/db", "POSTGRESQL://u@h:5432/db",
                               "postgresql://u@h/db?sslmode=verify-full", "postgresql:///db", "host=h dbname=db user=u",
                               "host=h user=password_admin", "dbname=passwords", "host=h passfile=/home/u/.pgpass"}) {
    CAPTURE(database);
    CHECK_FALSE(team_database_problem(database).has_value());
  }
  for (const char* database :
       {"postgresql://u:pw@h/db", "POSTGRES://u:pw@h/db", "postgresql://u:@h/db", "postgresql://h/db?password=pw",
        "postgresql://h/db?sslmode=require&PASSWORD=pw", "password=pw", "host=h password=pw", "host=h password = pw",
        "host=h password= pw", "host=h\tpassword='pw' dbname=db", "host=h PASSWORD=pw"}) {
    CAPTURE(database);
    CHECK(team_database_problem(database) == kCarriesPassword);
  }
  for (const char* database :
       {"mysql://u@h/db", "db.acme-sales.com", "", "mysql://h/db?ssl=true", "https://u:pw@h/db?sslmode=require"}) {
    CAPTURE(database);
    const auto problem = team_database_problem(database);
    REQUIRE(problem.has_value());
    CHECK(problem->starts_with("must be a PostgreSQL URI"));
  }
}

}  // namespace
}  // namespace prospectd::config
