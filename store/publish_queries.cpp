// StoreReader's view of the outbox: the backlog per target and in total, for status and the page.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "store/internal/sql_values.h"
#include "store/reader.h"

namespace prospectd::store {

PublishStatus StoreReader::publish_status() {
  PublishStatus status;
  SQLite::Statement targets(
      *db_,
      "SELECT t.name, t.kind, t.last_attempt_at, t.last_success_at, t.last_error, t.last_error_kind,"
      "       CASE t.kind WHEN 'team' THEN (SELECT count(*) FROM team_dirty)"
      "            ELSE (SELECT count(*) FROM outbox o WHERE o.target = t.name AND o.state = 'pending') END,"
      "       (SELECT count(*) FROM outbox o WHERE o.target = t.name AND o.state = 'failed'),"
      "       CASE t.kind WHEN 'team' THEN (SELECT min(since) FROM team_dirty)"
      "            ELSE (SELECT min(created_at) FROM outbox o WHERE o.target = t.name AND o.state = 'pending') END"
      "  FROM publish_targets t ORDER BY t.name");
  while (targets.executeStep()) {
    PublishTargetStatus target;
    target.name = targets.getColumn(0).getString();
    target.kind = targets.getColumn(1).getString();
    target.last_attempt_at = optional_int(targets.getColumn(2));
    target.last_success_at = optional_int(targets.getColumn(3));
    target.last_error = targets.getColumn(4).getString();
    target.last_error_kind = targets.getColumn(5).getString();
    target.pending = targets.getColumn(6).getInt64();
    target.failed = targets.getColumn(7).getInt64();
    target.oldest_pending_at = optional_int(targets.getColumn(8));
    status.pending += target.pending;
    status.failed += target.failed;
    if (target.oldest_pending_at &&
        (!status.oldest_pending_at || *target.oldest_pending_at < *status.oldest_pending_at)) {
      status.oldest_pending_at = target.oldest_pending_at;
    }
    status.targets.push_back(std::move(target));
  }
  return status;
}

}  // namespace prospectd::store
