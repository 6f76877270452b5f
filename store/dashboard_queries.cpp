// Read queries for the status page: the threads owed a reply, with who is waiting. Read-only;
// every statement is parameterised and bounded.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/reader.h"

namespace prospectd::store {

RepliesOwed StoreReader::replies_owed(std::int64_t limit) {
  // The threads a contact awaits a reply in, as the rules decided and stored it (ARCHITECTURE.md
  // "Needs reply"), with the time of that contact's latest human message in the thread.
  SQLite::Statement query(*db_,
                          "SELECT a.thread_id,"
                          "  coalesce((SELECT max(coalesce(m.date, m.received_at)) FROM messages m"
                          "            WHERE m.thread_id = a.thread_id AND m.from_email = c.email"
                          "              AND m.automation = ''), 0),"
                          "  c.email, c.name, c.stage,"
                          "  coalesce((SELECT f.subject FROM messages f WHERE f.thread_id = a.thread_id"
                          "            ORDER BY f.date, f.id LIMIT 1), ''),"
                          "  (SELECT count(*) FROM messages n WHERE n.thread_id = a.thread_id),"
                          "  count(*) OVER ()"
                          " FROM contact_threads a JOIN contacts c ON c.id = a.contact_id"
                          " WHERE a.awaiting_reply = 1 AND c.blocked = 0"
                          " ORDER BY 2, a.thread_id LIMIT ?");
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
