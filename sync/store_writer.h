// Commits classified batches on a thread of its own (with its own store connection), so that the
// connector fetches and parses the next batches while the store writes. Batches commit in order;
// batches that queue up meanwhile share one transaction (store::BatchGroup), each whole.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace prospectd::sync {

// What the committed batches added up to.
// What a sync stored: the one set of counters the writer, the sync pass and the CLI share.
struct StoredCounts {
  std::size_t inserted = 0;        // new messages stored
  std::size_t new_locations = 0;   // known messages found in another folder
  std::size_t already_stored = 0;  // refetched after an interruption; not stored twice
  std::size_t contacts_created = 0;
  std::vector<std::string> promoted;  // contacts whose stage moved forward

  void add(const store::BatchOutcome& outcome);
  void add(const StoredCounts& more);
};

// Thrown by push() and finish() when the writer could not store a batch: the store's message.
struct WriterFailure {
  std::string message;
};

class StoreWriter {
 public:
  // Opens `file` on the writer thread. When `stop` becomes true, batches not yet begun are
  // dropped; whole batches already written commit.
  StoreWriter(std::filesystem::path file, store::AccountId account, const std::atomic<bool>* stop);
  // Joins the thread (what is queued is dropped, what is written commits). Never throws.
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Queues a batch, waiting while the (small) queue is full; throws WriterFailure if the writer
  // has failed. REQUIRES: one producer thread.
  void push(store::ClassifiedBatch batch, store::ContactEvaluator evaluate, store::Evaluation when);

  // Waits until every queued batch is committed and the thread has ended; throws WriterFailure
  // if a batch could not be stored. Call once.
  StoredCounts finish();

 private:
  struct Item {
    store::ClassifiedBatch batch;
    store::ContactEvaluator evaluate;
    store::Evaluation when;
  };
  void run();
  void drain(store::Store& store);
  bool stopping() const { return stop_ && stop_->load(); }

  const std::filesystem::path file_;
  const store::AccountId account_;
  const std::atomic<bool>* stop_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;              // guarded by mutex_
  bool closed_ = false;                 // guarded by mutex_: no more pushes
  bool ended_ = false;                  // guarded by mutex_: the thread stopped taking batches
  std::optional<std::string> failure_;  // guarded by mutex_
  StoredCounts totals_;                 // written by the thread; read after join
  std::thread thread_;
};

}  // namespace prospectd::sync
