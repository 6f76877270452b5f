// How libpq failures are classified and worded: one line, "team database: " first, no secrets.
#include "store/team/pg_errors.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace prospectd::store::team {
namespace {

TEST_CASE("refused credentials, databases and roles are auth failures; the rest of a connect is transient") {
  using core::ErrorKind;
  CHECK(classify_connection_failure("FATAL:  password authentication failed for user \"x\"", false) == ErrorKind::auth);
  CHECK(classify_connection_failure("FATAL:  database \"nope\" does not exist", false) == ErrorKind::auth);
  CHECK(classify_connection_failure("FATAL:  role \"nope\" does not exist", false) == ErrorKind::auth);
  CHECK(classify_connection_failure("anything", true) == ErrorKind::auth);
  CHECK(classify_connection_failure("connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
                                    false) == ErrorKind::transient);
  CHECK(classify_connection_failure("FATAL:  the database system is starting up", false) == ErrorKind::transient);
}

TEST_CASE("statement failures are classified by SQLSTATE") {
  using core::ErrorKind;
  CHECK(classify_statement_failure("08006", false) == ErrorKind::transient);
  CHECK(classify_statement_failure("57P01", false) == ErrorKind::transient);
  CHECK(classify_statement_failure("57P03", false) == ErrorKind::transient);
  CHECK(classify_statement_failure("40001", false) == ErrorKind::transient);
  CHECK(classify_statement_failure("", false) == ErrorKind::transient);
  CHECK(classify_statement_failure("42P01", true) == ErrorKind::transient);
  CHECK(classify_statement_failure("28P01", false) == ErrorKind::auth);
  CHECK(classify_statement_failure("3D000", false) == ErrorKind::auth);
  CHECK(classify_statement_failure("42501", false) == ErrorKind::auth);
  CHECK(classify_statement_failure("42P01", false) == ErrorKind::fatal);
  CHECK(classify_statement_failure("23514", false) == ErrorKind::fatal);
}

TEST_CASE("messages are one line without libpq's prefixes and without the passwords") {
  const std::vector<std::string> secrets = {"hunter2", ""};
  CHECK(team_error_message("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
                           "authentication failed for user \"x\"\n",
                           secrets) == "team database: password authentication failed for user \"x\"");
  CHECK(team_error_message("ERROR:  relation \"t\" does not exist\nLINE 1: ...\n", secrets) ==
        "team database: relation \"t\" does not exist");
  CHECK(team_error_message("\n  server closed the connection unexpectedly\n\tThis probably means\n", secrets) ==
        "team database: server closed the connection unexpectedly");
  CHECK(team_error_message("bad hunter2 and hunter2", secrets) == "team database: bad *** and ***");
  CHECK(team_error_message("", secrets) == "team database: unknown error");
}

}  // namespace
}  // namespace prospectd::store::team
