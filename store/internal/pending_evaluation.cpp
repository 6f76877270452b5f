// Deferred contact evaluation: the contacts bulk batches marked pending are evaluated here, in
// transactions of bounded size, each clearing the marks of the contacts it evaluated.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/internal/contact_book.h"
#include "store/internal/statements.h"
#include "store/internal/transaction.h"
#include "store/store.h"

namespace prospectd::store {
namespace {
// Bounds how long one transaction holds the write lock (other accounts' workers wait for it).
constexpr int kContactsPerTransaction = 5000;
}  // namespace

std::size_t Store::pending_evaluations() {
  return static_cast<std::size_t>(db_->execAndGet("SELECT COUNT(*) FROM pending_evaluations").getInt64());
}

EvaluationOutcome Store::evaluate_pending(const ContactEvaluator& evaluate) {
  EvaluationOutcome outcome;
  ContactBook book(*db_, *statements_);
  while (db_->execAndGet("SELECT EXISTS (SELECT 1 FROM pending_evaluations)").getInt() != 0) {
    WriteTransaction transaction(*db_, "pending contact evaluations");
    std::vector<ContactId> contacts;
    {
      SQLite::Statement query(*db_, "SELECT contact_id FROM pending_evaluations ORDER BY contact_id LIMIT ?");
      query.bind(1, kContactsPerTransaction);
      while (query.executeStep()) contacts.push_back(query.getColumn(0).getInt64());
    }
    if (contacts.empty()) break;  // another writer caught up between the check and the lock
    for (ContactId contact : contacts) {
      ++outcome.evaluated;
      if (book.reevaluate(contact, evaluate)) outcome.promoted.push_back(book.email_of(contact));
    }
    SQLite::Statement clear(*db_, "DELETE FROM pending_evaluations WHERE contact_id <= ?");
    clear.bind(1, contacts.back());
    clear.exec();
    transaction.commit();
  }
  return outcome;
}

}  // namespace prospectd::store
