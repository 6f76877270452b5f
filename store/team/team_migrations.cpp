// The team schema's migrations, an append-only list: entry N takes version N-1 to N. Never edit
// a released entry; add one. docs/team-schema.md documents the resulting tables.
#include "store/team/team_migrations.h"

#include <array>
#include <string>

#include "store/team/team_database.h"

namespace prospectd::store::team {
namespace {

// pg_advisory_xact_lock key of schema migrations: "prospect" in ASCII.
constexpr const char* kMigrationLockKey = "8102654131044918132";

constexpr std::array<const char*, 1> kMigrations = {
    // v1: reps, their contacts, and the contacts' stage histories.
    R"sql(
CREATE TABLE team_reps (
  rep text PRIMARY KEY,
  last_publish_at timestamptz
);
CREATE TABLE team_contacts (
  rep text NOT NULL REFERENCES team_reps (rep) ON DELETE CASCADE,
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  company text,
  stage text NOT NULL CHECK (stage IN ('lead', 'prospect', 'opportunity', 'customer', 'disqualified')),
  thread_count bigint NOT NULL DEFAULT 0,
  inbound_count bigint NOT NULL DEFAULT 0,
  outbound_count bigint NOT NULL DEFAULT 0,
  first_seen timestamptz,
  last_inbound timestamptz,
  last_outbound timestamptz,
  needs_reply boolean NOT NULL DEFAULT false,
  last_subject text,
  published_at timestamptz NOT NULL,
  PRIMARY KEY (rep, email)
);
CREATE INDEX team_contacts_email ON team_contacts (email);
CREATE INDEX team_contacts_company ON team_contacts (company) WHERE company IS NOT NULL;
CREATE TABLE team_stage_events (
  rep text NOT NULL,
  email text NOT NULL,
  key text NOT NULL,
  from_stage text CHECK (from_stage IN ('lead', 'prospect', 'opportunity', 'customer', 'disqualified')),
  to_stage text NOT NULL CHECK (to_stage IN ('lead', 'prospect', 'opportunity', 'customer', 'disqualified')),
  at timestamptz NOT NULL,
  actor text NOT NULL CHECK (actor IN ('rule', 'user')),
  rule text NOT NULL DEFAULT '',
  message_id text NOT NULL DEFAULT '',
  note text NOT NULL DEFAULT '',
  PRIMARY KEY (rep, email, key),
  FOREIGN KEY (rep, email) REFERENCES team_contacts (rep, email) ON DELETE CASCADE
);
)sql",
};

[[noreturn]] void refuse_newer(int found) {
  throw TeamError(core::ErrorKind::fatal, "team database has schema v" + std::to_string(found) +
                                              ", newer than this prospectd understands (v" +
                                              std::to_string(latest_team_schema_version()) + "); upgrade prospectd");
}

int version_in_table(PgSession& session) {
  const PgResult result = session.run("SELECT coalesce(max(version), 0) FROM prospectd_schema");
  return std::stoi(PQgetvalue(result.get(), 0, 0));
}

}  // namespace

int latest_team_schema_version() { return static_cast<int>(kMigrations.size()); }

int read_team_schema_version(PgSession& session) {
  const PgResult exists = session.run("SELECT to_regclass('prospectd_schema') IS NOT NULL");
  if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") return 0;
  return version_in_table(session);
}

void migrate_team_schema(PgSession& session) {
  session.reconnect_if_dropped();
  const int seen = read_team_schema_version(session);  // without the lock: the usual, current case
  if (seen > latest_team_schema_version()) refuse_newer(seen);
  if (seen == latest_team_schema_version()) return;

  PgTransaction transaction(session);
  const std::array<PgSession::Parameter, 1> lock_key = {kMigrationLockKey};
  session.run("SELECT pg_advisory_xact_lock($1::bigint)", lock_key);
  session.run("CREATE TABLE IF NOT EXISTS prospectd_schema (version integer NOT NULL)");
  const int current = version_in_table(session);  // re-read under the lock: another daemon may have migrated
  if (current > latest_team_schema_version()) refuse_newer(current);
  if (current == latest_team_schema_version()) return;
  for (int version = current + 1; version <= latest_team_schema_version(); ++version) {
    session.run_script(kMigrations[static_cast<std::size_t>(version - 1)]);
  }
  session.run("DELETE FROM prospectd_schema");
  const std::array<PgSession::Parameter, 1> version = {std::to_string(latest_team_schema_version())};
  session.run("INSERT INTO prospectd_schema (version) VALUES ($1::integer)", version);
  transaction.commit();
}

}  // namespace prospectd::store::team
