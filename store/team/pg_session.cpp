// The libpq connection of a TeamDatabase (store/team/pg_session.h).
#include "store/team/pg_session.h"

#include <algorithm>

#include "store/team/pg_errors.h"
#include "store/team/team_database.h"

namespace prospectd::store::team {
namespace {

// libpq prints NOTICEs (e.g. "relation ... already exists, skipping") to stderr by default.
void ignore_notice(void* /*context*/, const char* /*message*/) {}

// The password written into the conninfo itself, if any: masked in messages like the other one.
std::optional<std::string> conninfo_password(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    // libpq's parse error may quote parts of the string, the password among them: not shown.
    PQfreemem(parse_error);
    throw TeamError(core::ErrorKind::fatal,
                    "team database: the connection string is neither a valid postgresql:// URI nor a "
                    "key=value list");
  }
  std::optional<std::string> password;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr) password = option->val;
  }
  PQconninfoFree(options);
  return password;
}

}  // namespace

PgSession::PgSession(const std::string& conninfo, const std::optional<std::string>& password,
                     std::chrono::seconds connect_timeout) {
  if (auto embedded = conninfo_password(conninfo)) secrets_.push_back(std::move(*embedded));
  if (password) secrets_.push_back(*password);
  const std::string timeout = std::to_string(std::max<std::int64_t>(connect_timeout.count(), 1));
  // Later keywords override what the expanded conninfo (position 0) says.
  std::vector<const char*> keywords = {"dbname", "connect_timeout", "fallback_application_name", "client_encoding"};
  std::vector<const char*> values = {conninfo.c_str(), timeout.c_str(), "prospectd", "UTF8"};
  if (password) {
    keywords.push_back("password");
    values.push_back(password->c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  connection_.reset(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (!connection_) throw TeamError(core::ErrorKind::transient, "team database: out of memory while connecting");
  if (PQstatus(connection_.get()) != CONNECTION_OK) throw_connection_failure();
  PQsetNoticeProcessor(connection_.get(), ignore_notice, nullptr);
}

void PgSession::throw_connection_failure() {
  const std::string message = PQerrorMessage(connection_.get());
  const bool needs_password = PQconnectionNeedsPassword(connection_.get()) != 0;
  throw TeamError(classify_connection_failure(message, needs_password), team_error_message(message, secrets_));
}

void PgSession::reconnect_if_dropped() {
  if (PQstatus(connection_.get()) == CONNECTION_OK) return;
  PQreset(connection_.get());
  if (PQstatus(connection_.get()) != CONNECTION_OK) throw_connection_failure();
  PQsetNoticeProcessor(connection_.get(), ignore_notice, nullptr);
}

PgResult PgSession::run(const char* sql, std::span<const Parameter> parameters) {
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const Parameter& parameter : parameters) values.push_back(parameter ? parameter->c_str() : nullptr);
  return checked(PQexecParams(connection_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                              nullptr, /*resultFormat=*/0));
}

void PgSession::run_script(const char* sql) { checked(PQexec(connection_.get(), sql)); }

PgResult PgSession::checked(PGresult* raw_result) {
  PgResult result(raw_result);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const bool connection_lost = PQstatus(connection_.get()) != CONNECTION_OK;
  const char* sqlstate = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection_.get());
  throw TeamError(classify_statement_failure(sqlstate ? sqlstate : "", connection_lost),
                  team_error_message(message, secrets_));
}

void PgSession::rollback_quietly() noexcept {
  if (PQstatus(connection_.get()) != CONNECTION_OK) return;
  PQclear(PQexec(connection_.get(), "ROLLBACK"));
}

PgTransaction::PgTransaction(PgSession& session, const char* begin_sql) : session_(session) {
  session_.reconnect_if_dropped();
  session_.run(begin_sql);
}

PgTransaction::~PgTransaction() {
  if (!finished_) session_.rollback_quietly();
}

void PgTransaction::commit() {
  finished_ = true;  // a failed COMMIT ends the transaction all the same
  session_.run("COMMIT");
}

}  // namespace prospectd::store::team
