// A manual stage move (actor "user"): the event and the contact's stage in one transaction, and
// the contact marked manual so rules never override it (ARCHITECTURE.md "Stages").
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/internal/transaction.h"
#include "store/store.h"

namespace prospectd::store {

ManualMoveResult Store::move_stage(const std::string& canonical_email, core::Stage stage, const std::string& note,
                                   std::int64_t now) {
  WriteTransaction transaction(*db_, "manual stage move");
  ManualMoveResult result;
  SQLite::Statement find(*db_, "SELECT id, stage FROM contacts WHERE email = ? AND blocked = 0");
  find.bind(1, canonical_email);
  if (!find.executeStep()) return result;
  const std::int64_t id = find.getColumn(0).getInt64();
  result.found = true;
  result.from = find.getColumn(1).getString();
  result.to = core::to_string(stage);
  SQLite::Statement event(*db_,
                          "INSERT INTO stage_events(contact_id, from_stage, to_stage, at, actor, rule, note)"
                          " VALUES (?, ?, ?, ?, 'user', 'manual', ?)");
  event.bind(1, id);
  event.bind(2, result.from);
  event.bind(3, result.to);
  event.bind(4, now);
  event.bind(5, note);
  event.exec();
  SQLite::Statement update(*db_, "UPDATE contacts SET stage = ?, manual = 1 WHERE id = ?");
  update.bind(1, result.to);
  update.bind(2, id);
  update.exec();
  transaction.commit();
  return result;
}

}  // namespace prospectd::store
