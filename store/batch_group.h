// Several consecutive batches in one write transaction, for bulk syncs: an index page that
// every batch touches is then written once per group rather than once per batch.
// REQUIRES: on the thread that owns the Store, with no other write transaction open on it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "store/store.h"

namespace prospectd::store {

class BatchGroup {
 public:
  // Begins the transaction (BEGIN IMMEDIATE).
  explicit BatchGroup(Store& store);
  // Rolls back unless committed: the store stays as after the last committed group.
  ~BatchGroup();
  BatchGroup(const BatchGroup&) = delete;
  BatchGroup& operator=(const BatchGroup&) = delete;

  // Stores one whole batch and its checkpoint (Store::commit_batch's work). If it throws, the
  // group is unusable and must be dropped (rolled back), since part of a batch may be written.
  BatchOutcome add(AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate, Evaluation when);
  void commit();

  std::size_t batches() const { return batches_; }
  std::size_t messages() const { return messages_; }
  std::chrono::steady_clock::duration age() const { return std::chrono::steady_clock::now() - started_; }

 private:
  struct Open;  // the transaction and the contact cache valid while it is open (store/internal)
  Store& store_;
  std::unique_ptr<Open> open_;
  std::chrono::steady_clock::time_point started_;
  std::size_t batches_ = 0;
  std::size_t messages_ = 0;
};

}  // namespace prospectd::store
