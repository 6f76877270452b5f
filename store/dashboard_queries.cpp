// Read queries for the HTTP API: whether the schema is ready, and the status page's threads
// owed a reply with who is waiting. Read-only; every statement is parameterised and bounded.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/internal/migrations.h"
#include "store/reader.h"

namespace prospectd::store {

bool StoreReader::schema_current() {
  return db_->execAndGet("PRAGMA user_version").getInt() == latest_schema_version();
}

RepliesOwed StoreReader::replies_owed(std::int64_t limit) {
  // Candidates are the threads of contacts flagged needs_reply; a thread qualifies when its
  // latest non-automated message (same order as the thread summary) is inbound from a contact.
  SQLite::Statement query(*db_,
                          "WITH candidates AS ("
                          "  SELECT DISTINCT ct.thread_id AS thread_id FROM contacts c"
                          "  JOIN contact_threads ct ON ct.contact_id = c.id WHERE c.needs_reply = 1),"
                          " latest AS ("
                          "  SELECT k.thread_id AS thread_id,"
                          "   (SELECT l.id FROM messages l WHERE l.thread_id = k.thread_id AND l.automation = ''"
                          "    ORDER BY l.date DESC, l.id DESC LIMIT 1) AS message_row"
                          "  FROM candidates k)"
                          " SELECT t.thread_id, coalesce(m.date, m.received_at, 0), c.email, c.name, c.stage,"
                          "  coalesce((SELECT f.subject FROM messages f WHERE f.thread_id = t.thread_id"
                          "            ORDER BY f.date, f.id LIMIT 1), ''),"
                          "  (SELECT count(*) FROM messages n WHERE n.thread_id = t.thread_id),"
                          "  count(*) OVER ()"
                          " FROM latest t JOIN messages m ON m.id = t.message_row"
                          " JOIN contacts c ON c.email = m.from_email"
                          " WHERE m.direction = 'inbound'"
                          " ORDER BY 2, t.thread_id LIMIT ?");
  query.bind(1, limit);
  RepliesOwed owed;
  while (query.executeStep()) {
    ReplyOwed row;
    row.thread = query.getColumn(0).getInt64();
    row.waiting_since = query.getColumn(1).getInt64();
    row.email = query.getColumn(2).getString();
    row.name = query.getColumn(3).getString();
    row.stage = query.getColumn(4).getString();
    row.subject = query.getColumn(5).getString();
    row.message_count = query.getColumn(6).getInt64();
    owed.total = query.getColumn(7).getInt64();
    owed.threads.push_back(std::move(row));
  }
  return owed;
}

}  // namespace prospectd::store
