// Threads as connected components of the Message-ID / In-Reply-To / References graph plus
// provider thread ids (ARCHITECTURE.md "Threads"), kept incrementally; a late message that links two threads
// merges them. Private to store/; REQUIRES: called inside the batch's write transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "store/store.h"

namespace prospectd::store {

class ThreadGraph {
 public:
  // `fallback_subjects`: the transaction's memo of subject-fallback base subjects (TransactionMemo),
  // or null to ask SQL every time.
  ThreadGraph(SQLite::Database& db, Store::Statements& statements,
              std::optional<std::unordered_set<std::string>>* fallback_subjects = nullptr)
      : db_(db), statements_(statements), fallback_subjects_(fallback_subjects) {}

  // The thread for a message with these graph nodes ("m:<Message-ID>" for itself and what
  // it references, "p:<account>:<provider thread id>"). Merges every stored thread the nodes
  // touch into the oldest of them, creates a thread if none, and records the nodes it did not
  // know. A stored message is its own node (messages.thread_id); thread_nodes holds only the
  // others (ARCHITECTURE.md "Store layout"). `new_message`: nodes[0] is a message about to be
  // stored in the returned thread, so it is not recorded here (and leaves thread_nodes if it
  // was only referenced until now).
  ThreadId place(const std::vector<std::string>& nodes, bool new_message);

  // ARCHITECTURE.md "Threads": subject fallback for a reply that carries neither In-Reply-To nor References:
  // the thread of the latest message with the same base subject in which `sender` took part
  // within the 60 days before `date`, if any.
  // `sender` is the sender's addresses.id (0: an address no stored message names, so no anchor).
  std::optional<ThreadId> subject_anchor(const std::string& base_subject, std::int64_t sender, std::int64_t date);

  // The reverse direction: reference-less replies stored earlier that are still the earliest
  // message of their thread (so not anchored to an older one; answers to them may have joined)
  // and whose sender took part in the message just stored (with that base subject, dated up to
  // 60 days after it) join its thread. This keeps the result independent of the order in which
  // folders are synced (an INBOX reply, even one already answered, may be stored before the
  // Sent original).
  void adopt_subject_orphans(ThreadId thread, const std::string& base_subject, std::int64_t date,
                             const std::vector<std::string>& participants);

  // A reference-less reply (messages.subject_fallback) with this base subject was just stored.
  void note_fallback_subject(const std::string& base_subject);

  // Merges `from` into `into`; every table that refers to threads follows.
  void merge(ThreadId from, ThreadId into);

  std::size_t merges() const { return merges_; }
  // The thread a (possibly merged-away) id now lives in.
  ThreadId current(ThreadId thread) const;

 private:
  // The thread a node belongs to, and whether it is in thread_nodes (rather than a stored message).
  std::optional<std::pair<ThreadId, bool>> find(const std::string& node, bool may_be_stored);

  // False when no stored reference-less reply has this base subject (so none can be adopted).
  bool may_have_orphans(const std::string& base_subject);

  SQLite::Database& db_;
  Store::Statements& statements_;
  std::optional<std::unordered_set<std::string>>* fallback_subjects_;
  std::size_t merges_ = 0;
  std::unordered_map<ThreadId, ThreadId> merged_into_;
};

// Window of the subject fallback (ARCHITECTURE.md "Threads").
inline constexpr std::int64_t kSubjectFallbackWindowSeconds = 60LL * 24 * 3600;

}  // namespace prospectd::store
