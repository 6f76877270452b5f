// Batches sharing one write transaction (store/batch_group.h), and Store::commit_batch as a
// group of one.
#include "store/batch_group.h"

#include "store/internal/contact_book.h"
#include "store/internal/ingest.h"
#include "store/internal/transaction.h"

namespace prospectd::store {

struct BatchGroup::Open {
  // A group of many batches takes seconds by design; only a much slower one is worth a log line.
  explicit Open(SQLite::Database& db) : transaction(db, "batches", std::chrono::milliseconds(10000)) {}
  WriteTransaction transaction;
  TransactionMemo memo;
};

BatchGroup::BatchGroup(Store& store)
    : store_(store), open_(std::make_unique<Open>(*store.db_)), started_(std::chrono::steady_clock::now()) {}

BatchGroup::~BatchGroup() = default;

BatchOutcome BatchGroup::add(AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                             Evaluation when) {
  BatchOutcome outcome = store_batch(*store_.db_, *store_.statements_, open_->memo, account, batch, evaluate, when);
  ++batches_;
  messages_ += batch.messages.size();
  return outcome;
}

void BatchGroup::commit() { open_->transaction.commit(); }

BatchOutcome Store::commit_batch(AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                                 Evaluation when) {
  BatchGroup group(*this);
  BatchOutcome outcome = group.add(account, batch, evaluate, when);
  group.commit();
  return outcome;
}

}  // namespace prospectd::store
