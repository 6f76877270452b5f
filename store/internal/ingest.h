// Writes one classified batch and its checkpoint inside the caller's open write transaction
// (store/batch_group.cpp). REQUIRES: on the Store's thread, with that transaction open.
#pragma once

#include "store/internal/contact_book.h"
#include "store/internal/statements.h"
#include "store/store.h"

namespace SQLite {
class Database;
}

namespace prospectd::store {

// Messages (deduplicated by source id and by Message-ID), addresses, references, threads, the
// checkpoint, and the contacts of the touched threads evaluated now or marked pending (`when`).
// If it throws, part of the batch may be written: the caller must roll back.
BatchOutcome store_batch(SQLite::Database& db, Store::Statements& statements, TransactionMemo& contacts,
                         AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                         Evaluation when);

}  // namespace prospectd::store
