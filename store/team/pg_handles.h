// Owning handles for libpq's connection and result objects, so every exit path frees them.
// Plain RAII types; a handle belongs to the thread that owns its connection.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace prospectd::store::team {

struct PgConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct PgResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};

using PgConnectionHandle = std::unique_ptr<PGconn, PgConnectionCloser>;
using PgResult = std::unique_ptr<PGresult, PgResultClearer>;

}  // namespace prospectd::store::team
