// One libpq connection to the team database: connects (URI or key=value conninfo, the password
// apart), runs statements with text parameters, reconnects after a dropped connection, and turns
// every failure into a TeamError. Owned by one TeamDatabase; used by one thread at a time.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/team/pg_handles.h"

namespace prospectd::store::team {

class PgSession {
 public:
  using Parameter = std::optional<std::string>;  // nullopt: SQL NULL

  // Throws TeamError: fatal for a conninfo libpq cannot parse, else as classified (pg_errors.h).
  PgSession(const std::string& conninfo, const std::optional<std::string>& password,
            std::chrono::seconds connect_timeout);

  // One statement; parameters $1.. are sent apart from the SQL, as text. Throws TeamError.
  PgResult run(const char* sql, std::span<const Parameter> parameters = {});
  // Several statements without parameters (the migrations). Throws TeamError.
  void run_script(const char* sql);

  // After a dropped connection (server restarted, backend terminated): connects again with the
  // same parameters. Throws TeamError when that fails.
  void reconnect_if_dropped();
  // ROLLBACK, ignoring failures: the way out of a transaction that already failed.
  void rollback_quietly() noexcept;

 private:
  PgResult checked(PGresult* raw_result);
  [[noreturn]] void throw_connection_failure();

  PgConnectionHandle connection_;
  std::vector<std::string> secrets_;  // the passwords, masked in every message
};

// BEGIN (or the given BEGIN statement) now; ROLLBACK at scope exit unless commit() succeeded.
class PgTransaction {
 public:
  explicit PgTransaction(PgSession& session, const char* begin_sql = "BEGIN");
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  void commit();

 private:
  PgSession& session_;
  bool finished_ = false;
};

}  // namespace prospectd::store::team
