// The team's shared pipeline in PostgreSQL (ARCHITECTURE.md "Team"): the schema prospectd owns and
// migrates, each rep's published contacts and stage events, and the combined team view.
// REQUIRES: one TeamDatabase per thread (a libpq connection is not shared). Owns its connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error_kind.h"

namespace prospectd::store::team {

// One entry of a contact's stage history as the rep shares it. `key` is stable for the same
// event (store::team_event_key): the same history published twice gives the same rows.
struct SharedStageEvent {
  std::string key;
  std::optional<std::string> from;  // nullopt: the creation event
  std::string to;
  std::int64_t at = 0;
  std::string actor;  // rule | user
  std::string rule;
  std::string message_id;
  std::string note;
};

// One contact as one rep shares it (that rep's row in the team tables).
struct SharedContact {
  std::string email;  // canonical
  std::string name;
  std::optional<std::string> company;
  std::string stage;
  std::int64_t thread_count = 0, inbound_count = 0, outbound_count = 0;
  std::optional<std::int64_t> first_seen, last_inbound, last_outbound;
  bool needs_reply = false;
  std::optional<std::string> last_subject;  // only with share_subjects = true
  std::vector<SharedStageEvent> history;    // oldest first; replaces what was published before
};

// What one publish applies for a contact: its current state, or nullopt to withdraw it (the rep
// forgot or blocked the address, or no longer has it).
struct ContactChange {
  std::string email;
  std::optional<SharedContact> contact;
};

struct TeamRepSummary {
  std::string rep;
  std::int64_t contacts = 0;
  std::optional<std::int64_t> last_publish_at;
};

struct TeamContactRep {
  std::string rep;
  std::string stage;
  std::optional<std::int64_t> last_inbound, last_outbound;
  std::int64_t thread_count = 0;
};

struct TeamContact {
  std::string email;
  std::string name;  // the most recently active rep's non-empty name
  std::optional<std::string> company;
  std::string stage;                 // furthest (rules::combined_team_stage)
  std::vector<TeamContactRep> reps;  // by rep name
};

struct TeamCompany {
  std::string company;
  std::int64_t contacts = 0;
  std::vector<std::string> reps;  // sorted
};

struct TeamCollision {
  std::string email;
  std::vector<std::string> reps;  // sorted: reps with an outbound message in the 30 days before as_of
};

struct TeamView {
  std::int64_t as_of = 0;
  std::vector<TeamRepSummary> reps;       // by name
  std::vector<TeamContact> contacts;      // by email
  std::vector<TeamCompany> companies;     // by company
  std::vector<TeamCollision> collisions;  // by email
};

// A failure talking to the team database, classified once (ARCHITECTURE.md "Errors and backoff"):
// transient (down, unreachable, a dropped connection: retry with backoff), auth (password refused,
// no such database or role: retry slowly, say so in status), fatal (a newer schema than this
// prospectd knows: stop publishing until the config or the program changes). The message is one
// plain line without secrets.
class TeamError : public std::runtime_error {
 public:
  TeamError(core::ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  core::ErrorKind kind() const { return kind_; }

 private:
  core::ErrorKind kind_;
};

// After a dropped connection (a failed call throws transient), the next call connects again.
class TeamDatabase {
 public:
  // Connects with a libpq URI or key=value conninfo; `password`, when given, is passed to libpq
  // apart from the conninfo (never logged, never in an error message). Throws TeamError.
  TeamDatabase(const std::string& conninfo, const std::optional<std::string>& password,
               std::chrono::seconds connect_timeout = std::chrono::seconds(10));
  ~TeamDatabase();
  TeamDatabase(const TeamDatabase&) = delete;
  TeamDatabase& operator=(const TeamDatabase&) = delete;

  // Creates or migrates the team schema (versioned; migrations serialised between daemons by an
  // advisory lock). Throws TeamError (fatal) for a schema newer than this build knows.
  void ensure_schema();
  int schema_version();

  // In one transaction: upserts each present contact of `rep` and replaces its stage events,
  // removes each withdrawn one with its events, and sets the rep's last_publish_at to `now`.
  // Idempotent: the same changes twice leave the same rows. Touches only `rep`'s rows. The last
  // change for an email wins; the change's email is the row's key. Throws TeamError, and
  // std::invalid_argument for an empty rep or a stage or actor name the schema does not know.
  void publish(const std::string& rep, std::span<const ContactChange> changes, std::int64_t now);

  // The combined pipeline as of `now` (ARCHITECTURE.md "Team"). Reads only; one snapshot.
  TeamView read_view(std::int64_t now);

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace prospectd::store::team
