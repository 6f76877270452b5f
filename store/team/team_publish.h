// One rep's publish to the team database: the rows of that rep's changed and withdrawn contacts
// and their stage events, written with array parameters (a few statements per batch, not one
// per row). A function over the caller's PgSession; one thread at a time per session.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "store/team/pg_session.h"
#include "store/team/team_database.h"

namespace prospectd::store::team {

// TeamDatabase::publish. When an email appears twice in `changes`, the last change wins; the
// change's email is the row's key. Throws std::invalid_argument for an empty rep, or a stage or
// actor the schema does not know (a programming error); TeamError for the database's failures.
void publish_team_changes(PgSession& session, const std::string& rep, std::span<const ContactChange> changes,
                          std::int64_t now);

}  // namespace prospectd::store::team
