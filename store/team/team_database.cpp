// TeamDatabase (store/team/team_database.h): a facade over one libpq session; the schema, the
// publish and the view each live in their own file of this folder. One thread per object.
#include "store/team/team_database.h"

#include "store/team/pg_session.h"
#include "store/team/team_migrations.h"
#include "store/team/team_publish.h"
#include "store/team/team_view_query.h"

namespace prospectd::store::team {

struct TeamDatabase::Connection {
  PgSession session;
};

TeamDatabase::TeamDatabase(const std::string& conninfo, const std::optional<std::string>& password,
                           std::chrono::seconds connect_timeout)
    : connection_(std::make_unique<Connection>(Connection{PgSession(conninfo, password, connect_timeout)})) {}

TeamDatabase::~TeamDatabase() = default;

void TeamDatabase::ensure_schema() { migrate_team_schema(connection_->session); }

int TeamDatabase::schema_version() {
  connection_->session.reconnect_if_dropped();
  return read_team_schema_version(connection_->session);
}

void TeamDatabase::publish(const std::string& rep, std::span<const ContactChange> changes, std::int64_t now) {
  publish_team_changes(connection_->session, rep, changes, now);
}

TeamView TeamDatabase::read_view(std::int64_t now) { return read_team_view(connection_->session, now); }

}  // namespace prospectd::store::team
