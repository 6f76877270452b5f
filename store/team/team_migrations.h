// The team database's versioned schema (docs/team-schema.md): reading the version, and creating
// or migrating the tables under an advisory lock so daemons starting together do not race.
// Functions over the caller's PgSession; one thread at a time per session.
#pragma once

#include "store/team/pg_session.h"

namespace prospectd::store::team {

// The schema version this build creates and understands.
int latest_team_schema_version();

// The version in prospectd_schema, 0 when the table does not exist yet. Throws TeamError.
int read_team_schema_version(PgSession& session);

// Applies the missing migrations in one transaction. Throws TeamError (fatal) when the database
// has a newer version than latest_team_schema_version().
void migrate_team_schema(PgSession& session);

}  // namespace prospectd::store::team
