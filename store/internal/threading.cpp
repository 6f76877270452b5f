// Incremental connected components over the thread graph, stored as node -> thread rows.
// Merges rewrite the smaller side's rows; they are rare (a late message bridging two threads).
#include "store/internal/threading.h"

#include <SQLiteCpp/Database.h>

#include <algorithm>

#include "store/internal/statements.h"

namespace prospectd::store {

ThreadId ThreadGraph::place(const std::vector<std::string>& nodes) {
  std::vector<ThreadId> found;
  std::vector<const std::string*> missing;
  for (const auto& node : nodes) {
    StatementScope find(statements_.find_node);
    find->bind(1, node);
    if (find->executeStep()) {
      found.push_back(find->getColumn(0).getInt64());
    } else {
      missing.push_back(&node);
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());

  ThreadId thread = 0;
  if (found.empty()) {
    StatementScope create(statements_.new_thread);
    create->exec();
    thread = db_.getLastInsertRowid();
  } else {
    thread = found.front();
    for (std::size_t i = 1; i < found.size(); ++i) merge(found[i], thread);
  }
  for (const std::string* node : missing) {
    StatementScope insert(statements_.insert_node);
    insert->bind(1, *node);
    insert->bind(2, thread);
    insert->exec();
  }
  return thread;
}

std::optional<ThreadId> ThreadGraph::subject_anchor(const std::string& base_subject, const std::string& sender,
                                                    std::int64_t date) {
  if (base_subject.empty() || sender.empty()) return std::nullopt;
  StatementScope find(statements_.find_subject_anchor);
  find->bind(1, base_subject);
  find->bind(2, sender);
  find->bind(3, date - kSubjectFallbackWindowSeconds);
  find->bind(4, date);
  if (!find->executeStep()) return std::nullopt;
  return find->getColumn(0).getInt64();
}

void ThreadGraph::adopt_subject_orphans(ThreadId thread, const std::string& base_subject, std::int64_t date,
                                        const std::vector<std::string>& participants) {
  if (base_subject.empty() || participants.empty()) return;
  StatementScope orphans(statements_.find_subject_orphans);
  orphans->bind(1, base_subject);
  orphans->bind(2, date);
  orphans->bind(3, date + kSubjectFallbackWindowSeconds);
  orphans->bind(4, thread);
  std::vector<ThreadId> adopt;
  while (orphans->executeStep()) {
    const std::string sender = orphans->getColumn(1).getString();
    if (std::find(participants.begin(), participants.end(), sender) != participants.end()) {
      adopt.push_back(orphans->getColumn(0).getInt64());
    }
  }
  for (ThreadId orphan : adopt) merge(orphan, thread);
}

void ThreadGraph::merge(ThreadId from, ThreadId into) {
  if (from == into) return;
  // Every table that names threads follows the merge: the graph, messages, contacts' thread
  // links (a contact in both threads keeps one link) and the stage evidence.
  for (SQLite::Statement* update : {&statements_.merge_nodes, &statements_.merge_messages,
                                    &statements_.merge_contact_threads, &statements_.merge_stage_events}) {
    StatementScope scope(*update);
    scope->bind(1, into);
    scope->bind(2, from);
    scope->exec();
  }
  for (SQLite::Statement* remove : {&statements_.merge_leftover_contact_threads, &statements_.merge_delete_thread}) {
    StatementScope scope(*remove);
    scope->bind(1, from);
    scope->exec();
  }
  merged_into_[from] = into;
  for (auto& [old_id, target] : merged_into_) {
    if (target == from) target = into;
  }
  ++merges_;
}

ThreadId ThreadGraph::current(ThreadId thread) const {
  const auto it = merged_into_.find(thread);
  return it == merged_into_.end() ? thread : it->second;
}

}  // namespace prospectd::store
