// Writes one rep's contacts and stage events to the team tables (store/team/team_publish.h).
#include "store/team/team_publish.h"

#include <array>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "core/stage.h"
#include "store/team/pg_array.h"

namespace prospectd::store::team {
namespace {

constexpr const char* kUpsertRep =
    "INSERT INTO team_reps (rep, last_publish_at) VALUES ($1, to_timestamp($2::bigint))"
    " ON CONFLICT (rep) DO UPDATE SET last_publish_at = excluded.last_publish_at";

constexpr const char* kDeleteEvents = "DELETE FROM team_stage_events WHERE rep = $1 AND email = ANY($2::text[])";

constexpr const char* kDeleteContacts = "DELETE FROM team_contacts WHERE rep = $1 AND email = ANY($2::text[])";

constexpr const char* kUpsertContacts =
    "INSERT INTO team_contacts (rep, email, name, company, stage, thread_count, inbound_count, outbound_count,"
    " first_seen, last_inbound, last_outbound, needs_reply, last_subject, published_at)"
    " SELECT $1, u.email, u.name, u.company, u.stage, u.thread_count, u.inbound_count, u.outbound_count,"
    " to_timestamp(u.first_seen), to_timestamp(u.last_inbound), to_timestamp(u.last_outbound), u.needs_reply,"
    " u.last_subject, to_timestamp($2::bigint)"
    " FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[],"
    " $10::bigint[], $11::bigint[], $12::bigint[], $13::boolean[], $14::text[])"
    " AS u(email, name, company, stage, thread_count, inbound_count, outbound_count, first_seen, last_inbound,"
    " last_outbound, needs_reply, last_subject)"
    " ON CONFLICT (rep, email) DO UPDATE SET name = excluded.name, company = excluded.company,"
    " stage = excluded.stage, thread_count = excluded.thread_count, inbound_count = excluded.inbound_count,"
    " outbound_count = excluded.outbound_count, first_seen = excluded.first_seen,"
    " last_inbound = excluded.last_inbound, last_outbound = excluded.last_outbound,"
    " needs_reply = excluded.needs_reply, last_subject = excluded.last_subject,"
    " published_at = excluded.published_at";

// DO NOTHING: a history that repeats a key keeps its first event with that key.
constexpr const char* kInsertEvents =
    "INSERT INTO team_stage_events (rep, email, key, from_stage, to_stage, at, actor, rule, message_id, note)"
    " SELECT $1, u.email, u.key, u.from_stage, u.to_stage, to_timestamp(u.at), u.actor, u.rule, u.message_id,"
    " u.note FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],"
    " $9::text[], $10::text[]) AS u(email, key, from_stage, to_stage, at, actor, rule, message_id, note)"
    " ON CONFLICT (rep, email, key) DO NOTHING";

// The schema's spelling of a stage name ("Lead " -> "lead"); unknown names are a programming error.
std::string schema_stage(const std::string& name) {
  const auto stage = core::stage_from_string(name);
  if (!stage) throw std::invalid_argument("team publish: unknown stage \"" + name + "\"");
  return core::to_string(*stage);
}

std::string schema_actor(const std::string& actor) {
  if (actor != "rule" && actor != "user") {
    throw std::invalid_argument("team publish: unknown actor \"" + actor + "\" (rule or user)");
  }
  return actor;
}

// The last change for each email, in first-seen order.
std::vector<const ContactChange*> last_change_per_email(std::span<const ContactChange> changes) {
  std::unordered_map<std::string_view, std::size_t> position_of;
  std::vector<const ContactChange*> unique;
  for (const ContactChange& change : changes) {
    const auto [found, inserted] = position_of.try_emplace(change.email, unique.size());
    if (inserted) {
      unique.push_back(&change);
    } else {
      unique[found->second] = &change;
    }
  }
  return unique;
}

struct ContactColumns {
  PgArrayLiteral email, name, company, stage, thread_count, inbound_count, outbound_count, first_seen, last_inbound,
      last_outbound, needs_reply, last_subject;
  std::size_t rows = 0;

  void add(const std::string& key_email, const SharedContact& contact) {
    email.add_text(key_email);
    name.add_text(contact.name);
    company.add_optional_text(contact.company);
    stage.add_text(schema_stage(contact.stage));
    thread_count.add_integer(contact.thread_count);
    inbound_count.add_integer(contact.inbound_count);
    outbound_count.add_integer(contact.outbound_count);
    first_seen.add_optional_integer(contact.first_seen);
    last_inbound.add_optional_integer(contact.last_inbound);
    last_outbound.add_optional_integer(contact.last_outbound);
    needs_reply.add_bool(contact.needs_reply);
    last_subject.add_optional_text(contact.last_subject);
    ++rows;
  }
};

struct EventColumns {
  PgArrayLiteral email, key, from_stage, to_stage, at, actor, rule, message_id, note;
  std::size_t rows = 0;

  void add(const std::string& key_email, const SharedStageEvent& event) {
    email.add_text(key_email);
    key.add_text(event.key);
    from_stage.add_optional_text(event.from ? std::optional(schema_stage(*event.from)) : std::nullopt);
    to_stage.add_text(schema_stage(event.to));
    at.add_integer(event.at);
    actor.add_text(schema_actor(event.actor));
    rule.add_text(event.rule);
    message_id.add_text(event.message_id);
    note.add_text(event.note);
    ++rows;
  }
};

}  // namespace

void publish_team_changes(PgSession& session, const std::string& rep, std::span<const ContactChange> changes,
                          std::int64_t now) {
  if (rep.empty()) throw std::invalid_argument("team publish: the rep name is empty");
  PgArrayLiteral changed_emails, withdrawn_emails;
  ContactColumns contacts;
  EventColumns events;
  std::size_t withdrawn = 0;
  for (const ContactChange* change : last_change_per_email(changes)) {
    changed_emails.add_text(change->email);
    if (!change->contact) {
      withdrawn_emails.add_text(change->email);
      ++withdrawn;
      continue;
    }
    contacts.add(change->email, *change->contact);
    for (const SharedStageEvent& event : change->contact->history) events.add(change->email, event);
  }

  using P = PgSession::Parameter;
  const std::string now_text = std::to_string(now);
  PgTransaction transaction(session);
  session.run(kUpsertRep, std::array<P, 2>{rep, now_text});
  if (!changes.empty()) session.run(kDeleteEvents, std::array<P, 2>{rep, changed_emails.literal()});
  if (withdrawn > 0) session.run(kDeleteContacts, std::array<P, 2>{rep, withdrawn_emails.literal()});
  if (contacts.rows > 0) {
    session.run(kUpsertContacts, std::array<P, 14>{rep, now_text, contacts.email.literal(), contacts.name.literal(),
                                                   contacts.company.literal(), contacts.stage.literal(),
                                                   contacts.thread_count.literal(), contacts.inbound_count.literal(),
                                                   contacts.outbound_count.literal(), contacts.first_seen.literal(),
                                                   contacts.last_inbound.literal(), contacts.last_outbound.literal(),
                                                   contacts.needs_reply.literal(), contacts.last_subject.literal()});
  }
  if (events.rows > 0) {
    session.run(kInsertEvents,
                std::array<P, 10>{rep, events.email.literal(), events.key.literal(), events.from_stage.literal(),
                                  events.to_stage.literal(), events.at.literal(), events.actor.literal(),
                                  events.rule.literal(), events.message_id.literal(), events.note.literal()});
  }
  transaction.commit();
}

}  // namespace prospectd::store::team
