// Read queries over contacts, threads and stage history (StoreReader's CRM half).
// Every statement is parameterised; results are plain structs for the CLI and the HTTP API.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "store/internal/packed_fields.h"
#include "store/internal/sql_values.h"
#include "store/reader.h"

namespace prospectd::store {
namespace {

constexpr const char* kContactColumns =
    "c.email, c.name, c.company, c.stage, c.manual, c.thread_count, c.inbound_count, c.outbound_count,"
    " c.first_seen, c.last_inbound, c.last_outbound, c.last_message_at, c.needs_reply,"
    " (SELECT max(e.at) FROM stage_events e WHERE e.contact_id = c.id AND e.from_stage IS NOT NULL)";

ContactRow read_contact(SQLite::Statement& query) {
  ContactRow row;
  row.email = query.getColumn(0).getString();
  row.name = query.getColumn(1).getString();
  row.company = optional_text(query.getColumn(2));
  row.stage = query.getColumn(3).getString();
  row.manual = query.getColumn(4).getInt() != 0;
  row.thread_count = query.getColumn(5).getInt64();
  row.inbound_count = query.getColumn(6).getInt64();
  row.outbound_count = query.getColumn(7).getInt64();
  row.first_seen = optional_int(query.getColumn(8));
  row.last_inbound = optional_int(query.getColumn(9));
  row.last_outbound = optional_int(query.getColumn(10));
  row.last_message_at = optional_int(query.getColumn(11));
  row.needs_reply = query.getColumn(12).getInt() != 0;
  row.stage_changed_at = optional_int(query.getColumn(13));
  return row;
}

// Thread summary columns for a thread id bound as ?1. needs_reply: a contact of the thread
// awaits the rep's reply, as the rules decided and stored it (ARCHITECTURE.md "Needs reply").
constexpr const char* kThreadSummarySql =
    "SELECT count(*), min(coalesce(date, received_at)), max(coalesce(date, received_at)),"
    " (SELECT subject FROM messages f WHERE f.thread_id = ?1 ORDER BY f.date, f.id LIMIT 1),"
    " EXISTS (SELECT 1 FROM contact_threads a WHERE a.thread_id = ?1 AND a.awaiting_reply = 1)"
    " FROM messages WHERE thread_id = ?1";

}  // namespace

namespace {

// The WHERE clause of a contact query's filters, and their binding.
std::string contact_filters(const ContactQuery& query) {
  std::string sql = " WHERE c.blocked = 0";  // a blocked contact is in no list
  if (query.stage) sql += " AND c.stage = :stage";
  if (query.text)
    sql += " AND (c.email LIKE :text ESCAPE '\\' OR c.name LIKE :text ESCAPE '\\' OR c.company LIKE :text ESCAPE '\\')";
  if (query.quiet_since) sql += " AND coalesce(c.last_message_at, 0) < :quiet";
  return sql;
}

void bind_contact_filters(SQLite::Statement& statement, const ContactQuery& query) {
  if (query.stage) statement.bind(":stage", *query.stage);
  if (query.text) {
    std::string pattern = "%";
    for (char c : *query.text) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    statement.bind(":text", pattern + "%");
  }
  if (query.quiet_since) statement.bind(":quiet", *query.quiet_since);
}

}  // namespace

std::vector<ContactRow> StoreReader::contacts(const ContactQuery& query) {
  std::string sql = std::string("SELECT ") + kContactColumns + " FROM contacts c" + contact_filters(query);
  // Keyset: after (k, email) in the order "k DESC, email ASC".
  if (query.after) {
    sql +=
        " AND (coalesce(c.last_message_at, 0) < :after_at OR"
        " (coalesce(c.last_message_at, 0) = :after_at AND c.email > :after_email))";
  }
  sql += " ORDER BY coalesce(c.last_message_at, 0) DESC, c.email LIMIT :limit OFFSET :offset";
  SQLite::Statement statement(*db_, sql);
  bind_contact_filters(statement, query);
  if (query.after) {
    statement.bind(":after_at", query.after->last_message_at);
    statement.bind(":after_email", query.after->email);
  }
  statement.bind(":limit", query.limit);
  statement.bind(":offset", query.offset);
  std::vector<ContactRow> rows;
  while (statement.executeStep()) rows.push_back(read_contact(statement));
  return rows;
}

std::int64_t StoreReader::count_contacts(const ContactQuery& query) {
  if (!query.text && !query.quiet_since) {  // a stage or all: contact_counts (schema v10)
    SQLite::Statement counted(*db_, query.stage ? "SELECT coalesce(sum(shown), 0) FROM contact_counts WHERE stage = ?"
                                                : "SELECT coalesce(sum(shown), 0) FROM contact_counts");
    if (query.stage) counted.bind(1, *query.stage);
    counted.executeStep();
    return counted.getColumn(0).getInt64();
  }
  SQLite::Statement statement(*db_, "SELECT count(*) FROM contacts c" + contact_filters(query));
  bind_contact_filters(statement, query);
  statement.executeStep();
  return statement.getColumn(0).getInt64();
}

std::optional<ContactRow> StoreReader::contact_row(const std::string& canonical_email) {
  SQLite::Statement query(
      *db_, std::string("SELECT ") + kContactColumns + " FROM contacts c WHERE c.email = ? AND c.blocked = 0");
  query.bind(1, canonical_email);
  if (!query.executeStep()) return std::nullopt;
  return read_contact(query);
}

std::optional<ContactDetail> StoreReader::contact(const std::string& canonical_email) {
  SQLite::Statement query(
      *db_, std::string("SELECT ") + kContactColumns + ", c.id FROM contacts c WHERE c.email = ? AND c.blocked = 0");
  query.bind(1, canonical_email);
  if (!query.executeStep()) return std::nullopt;
  ContactDetail detail;
  detail.contact = read_contact(query);
  const std::int64_t id = query.getColumn(14).getInt64();
  SQLite::Statement variants(*db_, "SELECT raw_email FROM contact_variants WHERE contact_id = ? ORDER BY raw_email");
  variants.bind(1, id);
  while (variants.executeStep()) detail.variants.push_back(variants.getColumn(0).getString());
  detail.threads = threads(canonical_email);
  SQLite::Statement history(*db_,
                            "SELECT from_stage, to_stage, at, actor, rule, thread_id, message_id, note"
                            " FROM stage_events WHERE contact_id = ? ORDER BY at, id");
  history.bind(1, id);
  while (history.executeStep()) {
    StageEventRow event;
    event.from = optional_text(history.getColumn(0));
    event.to = history.getColumn(1).getString();
    event.at = history.getColumn(2).getInt64();
    event.actor = history.getColumn(3).getString();
    event.rule = history.getColumn(4).getString();
    event.thread = optional_int(history.getColumn(5));
    event.message_id = history.getColumn(6).getString();
    event.note = history.getColumn(7).getString();
    detail.history.push_back(std::move(event));
  }
  return detail;
}

std::vector<rules::Appearance> StoreReader::appearances(const std::string& canonical_email, std::int64_t limit) {
  // The messages that name the address (participants), oldest first; its roles in each from
  // messages.people, in the order the address rows used to sort (role name, then position).
  SQLite::Statement query(*db_,
                          "SELECT m.message_id, m.direction, m.automation, m.people FROM addresses d"
                          " JOIN participants p ON p.address_id = d.id JOIN messages m ON m.id = p.message_row"
                          " WHERE d.email = ? ORDER BY coalesce(m.date, m.received_at), m.id");
  query.bind(1, canonical_email);
  std::vector<rules::Appearance> found;
  while (static_cast<std::int64_t>(found.size()) < limit && query.executeStep()) {
    const SQLite::Column people = query.getColumn(3);
    PeopleReader reader(blob_view(people));
    std::vector<std::pair<int, Role>> roles;  // (rank of the role's name, role), then by position
    PackedAddress address;
    while (reader.next(address)) {
      if (address.email == canonical_email) roles.emplace_back(role_name_rank(address.role), address.role);
    }
    std::stable_sort(roles.begin(), roles.end());
    for (const auto& [rank, role] : roles) {
      if (static_cast<std::int64_t>(found.size()) >= limit) break;
      rules::Appearance seen;
      seen.message_id = query.getColumn(0).getString();
      seen.role = std::string(role_name(role));
      seen.direction = core::direction_from_string(query.getColumn(1).getString()).value_or(core::Direction::inbound);
      seen.automation = query.getColumn(2).getString();
      found.push_back(std::move(seen));
    }
  }
  return found;
}

namespace {

ThreadSummary summarise_thread(SQLite::Database& db, std::int64_t thread) {
  ThreadSummary summary;
  summary.id = thread;
  SQLite::Statement query(db, kThreadSummarySql);
  query.bind(1, thread);
  if (query.executeStep()) {
    summary.message_count = query.getColumn(0).getInt64();
    summary.first_message_at = optional_int(query.getColumn(1));
    summary.last_message_at = optional_int(query.getColumn(2));
    summary.subject = query.getColumn(3).isNull() ? "" : query.getColumn(3).getString();
    summary.needs_reply = query.getColumn(4).getInt() != 0;
  }
  SQLite::Statement ids(db, "SELECT message_id FROM messages WHERE thread_id = ? ORDER BY date, id");
  ids.bind(1, thread);
  while (ids.executeStep()) summary.message_ids.push_back(ids.getColumn(0).getString());
  // From and every recipient (not Sender or Reply-To), each address once, sorted.
  SQLite::Statement people(db, "SELECT people FROM messages WHERE thread_id = ?");
  people.bind(1, thread);
  std::set<std::string> participants;
  while (people.executeStep()) {
    const SQLite::Column packed = people.getColumn(0);
    PeopleReader reader(blob_view(packed));
    PackedAddress address;
    while (reader.next(address)) {
      if (!address.email.empty() && (address.role == Role::from || is_recipient_role(address.role))) {
        participants.emplace(address.email);
      }
    }
  }
  summary.participants.assign(participants.begin(), participants.end());
  return summary;
}

}  // namespace

std::vector<ThreadSummary> StoreReader::threads(const std::optional<std::string>& contact_email) {
  return threads(ThreadQuery{contact_email, -1, std::nullopt});
}

std::vector<ThreadSummary> StoreReader::threads(const ThreadQuery& query) {
  // The page's thread ids in order first (one aggregate over the messages' thread index), then
  // a summary of those only.
  std::string sql = "SELECT m.thread_id, coalesce(max(coalesce(m.date, m.received_at)), 0) AS last FROM messages m";
  if (query.contact) {
    sql +=
        " WHERE m.thread_id IN (SELECT ct.thread_id FROM contact_threads ct JOIN contacts c"
        " ON c.id = ct.contact_id WHERE c.email = :contact AND c.blocked = 0)";
  }
  sql += " GROUP BY m.thread_id";
  if (query.after) sql += " HAVING last < :after_at OR (last = :after_at AND m.thread_id < :after_id)";
  sql += " ORDER BY last DESC, m.thread_id DESC LIMIT :limit";
  SQLite::Statement page(*db_, sql);
  if (query.contact) page.bind(":contact", *query.contact);
  if (query.after) {
    page.bind(":after_at", query.after->last_message_at);
    page.bind(":after_id", query.after->id);
  }
  page.bind(":limit", query.limit);
  std::vector<ThreadSummary> summaries;
  while (page.executeStep()) summaries.push_back(summarise_thread(*db_, page.getColumn(0).getInt64()));
  return summaries;
}

std::int64_t StoreReader::count_threads(const std::optional<std::string>& contact_email) {
  SQLite::Statement count(*db_, contact_email ? "SELECT count(*) FROM contact_threads ct JOIN contacts c"
                                                " ON c.id = ct.contact_id WHERE c.email = ? AND c.blocked = 0"
                                              : "SELECT count(*) FROM threads t WHERE EXISTS"
                                                " (SELECT 1 FROM messages m WHERE m.thread_id = t.id)");
  if (contact_email) count.bind(1, *contact_email);
  count.executeStep();
  return count.getColumn(0).getInt64();
}

std::vector<Promotion> StoreReader::promotions(const std::string& stage, std::int64_t since, std::int64_t limit) {
  SQLite::Statement query(*db_,
                          "SELECT c.email, c.name, e.to_stage, e.at, e.thread_id,"
                          " coalesce((SELECT subject FROM messages m WHERE m.thread_id = e.thread_id"
                          "           ORDER BY m.date, m.id LIMIT 1), '')"
                          " FROM stage_events e JOIN contacts c ON c.id = e.contact_id"
                          " WHERE e.to_stage = ? AND e.at >= ? AND e.from_stage IS NOT NULL AND c.stage = e.to_stage"
                          " AND c.blocked = 0"
                          " ORDER BY e.at DESC LIMIT ?");
  query.bind(1, stage);
  query.bind(2, since);
  query.bind(3, limit);
  std::vector<Promotion> rows;
  while (query.executeStep()) {
    rows.push_back({query.getColumn(0).getString(), query.getColumn(1).getString(), query.getColumn(2).getString(),
                    query.getColumn(3).getInt64(), optional_int(query.getColumn(4)), query.getColumn(5).getString()});
  }
  return rows;
}

}  // namespace prospectd::store
