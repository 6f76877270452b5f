// Where secrets come from (README "Configuration": password_cmd / password_file / password_env):
// the first line of a command's output, of a file, or a variable's value. Errors name the config
// key and where the secret was looked for, never the secret.
#include "config/secrets.h"

#include <doctest/doctest.h>

#include "tests/unit/config/scoped_env.h"

namespace prospectd::config {
namespace {

SecretSource command(std::string line) {
  return {SecretSource::Kind::command, std::move(line), "accounts[0].password_cmd"};
}
SecretSource file(const std::filesystem::path& path) {
  return {SecretSource::Kind::file, path.string(), "accounts[0].password_file"};
}
SecretSource environment(std::string name) {
  return {SecretSource::Kind::environment, std::move(name), "accounts[0].password_env"};
}

TEST_CASE("a command's secret is the first line of its output") {
  CHECK(resolve_secret(command("printf 'hunter2\\n'")) == "hunter2");
  CHECK(resolve_secret(command("printf 'hunter2'")) == "hunter2");
  CHECK(resolve_secret(command("printf 'hunter2\\r\\nlogin: rep\\nurl: x\\n'")) == "hunter2");
}

TEST_CASE("a command runs in a shell") {
  test::ScopedEnv variable("PROSPECTD_TEST_SECRET_PART", "s3cret");
  CHECK(resolve_secret(command("echo \"pre-$PROSPECTD_TEST_SECRET_PART\" | tr a-z A-Z")) == "PRE-S3CRET");
}

TEST_CASE("a failing command is an error naming the key and exit status, not its output") {
  const auto result = resolve_secret(command("echo leaked-secret; exit 3"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error() == "accounts[0].password_cmd: the command failed (exit status 3)");
  const auto missing = resolve_secret(command("/nonexistent/prospectd-test-command 2>/dev/null"));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error() == "accounts[0].password_cmd: the command failed (exit status 127)");
}

TEST_CASE("a command that prints nothing is an error") {
  CHECK(resolve_secret(command("true")).error() == "accounts[0].password_cmd: the command printed nothing");
  CHECK(resolve_secret(command("printf '\\nsecond line\\n'")).error() ==
        "accounts[0].password_cmd: the command printed nothing");
}

TEST_CASE("a file's secret is its first line") {
  test::TempDir dir;
  CHECK(resolve_secret(file(dir.write("plain", "hunter2"))) == "hunter2");
  CHECK(resolve_secret(file(dir.write("newline", "hunter2\n"))) == "hunter2");
  CHECK(resolve_secret(file(dir.write("crlf", "hunter2\r\nsecond\r\n"))) == "hunter2");
  CHECK(resolve_secret(file(dir.write("spaces", "  pass phrase  \n"))) == "  pass phrase  ");
}

TEST_CASE("a missing or empty secret file is an error naming the key and the path") {
  test::TempDir dir;
  const auto missing = dir.path() / "absent";
  CHECK(resolve_secret(file(missing)).error() == "accounts[0].password_file: cannot read " + missing.string());
  const auto empty = dir.write("empty", "");
  CHECK(resolve_secret(file(empty)).error() == "accounts[0].password_file: " + empty.string() + " is empty");
  const auto blank_first = dir.write("blank-first", "\nhunter2\n");
  CHECK(resolve_secret(file(blank_first)).error() ==
        "accounts[0].password_file: " + blank_first.string() + " is empty");
}

TEST_CASE("an environment variable's secret is its whole value") {
  test::ScopedEnv variable("PROSPECTD_TEST_PASSWORD", "hunter2 with spaces");
  CHECK(resolve_secret(environment("PROSPECTD_TEST_PASSWORD")) == "hunter2 with spaces");
}

TEST_CASE("an unset or empty environment variable is an error naming the key and the variable") {
  const std::string message = "accounts[0].password_env: the environment variable PROSPECTD_TEST_PASSWORD is not set";
  {
    test::ScopedEnv variable("PROSPECTD_TEST_PASSWORD", std::nullopt);
    CHECK(resolve_secret(environment("PROSPECTD_TEST_PASSWORD")).error() == message);
  }
  {
    test::ScopedEnv variable("PROSPECTD_TEST_PASSWORD", "");
    CHECK(resolve_secret(environment("PROSPECTD_TEST_PASSWORD")).error() == message);
  }
}

TEST_CASE("no configured source is an error") { CHECK_FALSE(resolve_secret(SecretSource{}).has_value()); }

}  // namespace
}  // namespace prospectd::config
