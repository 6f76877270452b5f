// Incremental connected components over the thread graph, stored as node -> thread rows.
// Merges rewrite the smaller side's rows; they are rare (a late message bridging two threads).
#include "store/internal/threading.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "store/internal/statements.h"

namespace prospectd::store {

ThreadId ThreadGraph::place(const std::vector<std::string>& nodes, bool new_message) {
  std::vector<ThreadId> found;
  std::vector<const std::string*> missing;
  bool first_was_referenced = false;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string& node = nodes[i];
    if (new_message && i != 0 && node == nodes.front()) continue;  // it references itself
    // A message about to be stored is known only if it was referenced before.
    if (const auto thread = find(node, /*may_be_stored=*/i != 0 || !new_message)) {
      found.push_back(thread->first);
      if (i == 0 && thread->second) first_was_referenced = true;
    } else if (i != 0 || !new_message) {
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
  if (new_message && first_was_referenced) {
    StatementScope remove(statements_.delete_node);
    remove->bind(1, nodes.front());
    remove->exec();
  }
  return thread;
}

std::optional<std::pair<ThreadId, bool>> ThreadGraph::find(const std::string& node, bool may_be_stored) {
  if (may_be_stored && node.starts_with("m:")) {
    StatementScope query(statements_.find_message_thread);
    query->bind(1, node.substr(2));
    if (query->executeStep()) return std::pair{query->getColumn(0).getInt64(), false};
  }
  StatementScope query(statements_.find_node);
  query->bind(1, node);
  if (query->executeStep()) return std::pair{query->getColumn(0).getInt64(), true};
  return std::nullopt;
}

std::optional<ThreadId> ThreadGraph::subject_anchor(const std::string& base_subject, std::int64_t sender,
                                                    std::int64_t date) {
  if (base_subject.empty() || sender == 0) return std::nullopt;
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
  if (base_subject.empty() || participants.empty() || !may_have_orphans(base_subject)) return;
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

bool ThreadGraph::may_have_orphans(const std::string& base_subject) {
  if (!fallback_subjects_) return true;
  if (!*fallback_subjects_) {
    auto& subjects = fallback_subjects_->emplace();
    SQLite::Statement query(db_, "SELECT DISTINCT base_subject FROM messages WHERE subject_fallback = 1");
    while (query.executeStep()) subjects.insert(query.getColumn(0).getString());
  }
  return (*fallback_subjects_)->contains(base_subject);
}

void ThreadGraph::note_fallback_subject(const std::string& base_subject) {
  if (fallback_subjects_ && *fallback_subjects_) (*fallback_subjects_)->insert(base_subject);
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
