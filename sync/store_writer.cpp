// The store writer thread: takes batches from a bounded queue and commits them in order, several
// to a transaction while they keep coming (bulk sync), one at a time when the queue runs dry.
#include "sync/store_writer.h"

#include <chrono>

#include "store/batch_group.h"

namespace prospectd::sync {
namespace {

// Two batches queued bound the memory the producer can run ahead by (~2 MB per 1,000 messages).
constexpr std::size_t kQueueCapacity = 2;
// A group commits at this size or age even while batches keep coming: bounds the transaction's
// dirty pages (spilled to the WAL beyond the page cache) and how long the write lock is held
// (other accounts' workers and manual moves wait for it; their busy timeout is 10 s).
constexpr std::size_t kGroupMessages = 20000;
constexpr auto kGroupAge = std::chrono::seconds(2);
// How often an idle writer looks at the stop flag (a signal handler sets it without notifying).
constexpr auto kStopPoll = std::chrono::milliseconds(100);

}  // namespace

void StoredCounts::add(const store::BatchOutcome& outcome) {
  inserted += outcome.inserted;
  new_locations += outcome.new_locations;
  already_stored += outcome.already_stored;
  contacts_created += outcome.contacts_created;
  promoted.insert(promoted.end(), outcome.promoted.begin(), outcome.promoted.end());
}

void StoredCounts::add(const StoredCounts& more) {
  inserted += more.inserted;
  new_locations += more.new_locations;
  already_stored += more.already_stored;
  contacts_created += more.contacts_created;
  promoted.insert(promoted.end(), more.promoted.begin(), more.promoted.end());
}

StoreWriter::StoreWriter(std::filesystem::path file, store::AccountId account, const std::atomic<bool>* stop)
    : file_(std::move(file)), account_(account), stop_(stop) {
  thread_ = std::thread([this] { run(); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoreWriter::push(store::ClassifiedBatch batch, store::ContactEvaluator evaluate, store::Evaluation when) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < kQueueCapacity || ended_; });
  if (failure_) throw WriterFailure{*failure_};
  if (ended_) throw WriterFailure{"the store writer has stopped"};
  queue_.push_back(Item{std::move(batch), std::move(evaluate), when});
  changed_.notify_all();
}

StoredCounts StoreWriter::finish() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (failure_) throw WriterFailure{*failure_};
  return std::move(totals_);
}

void StoreWriter::run() {
  try {
    store::Store store(file_);
    drain(store);
  } catch (const std::exception& error) {
    std::lock_guard lock(mutex_);
    failure_ = error.what();
  }
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    queue_.clear();
  }
  changed_.notify_all();
}

void StoreWriter::drain(store::Store& store) {
  std::optional<store::BatchGroup> group;
  StoredCounts in_group;  // counted once the group commits
  const auto commit = [&] {
    group->commit();
    group.reset();
    totals_.add(in_group);
    in_group = {};
  };
  for (;;) {
    std::optional<Item> item;
    bool more = false;
    {
      std::unique_lock lock(mutex_);
      while (queue_.empty() && !closed_ && !stopping()) changed_.wait_for(lock, kStopPoll);
      // Stopping: batches not begun are dropped (the connector refetches them next time).
      if (stopping() || queue_.empty()) break;
      item.emplace(std::move(queue_.front()));
      queue_.pop_front();
      more = !queue_.empty();
    }
    changed_.notify_all();
    if (!group) group.emplace(store);
    in_group.add(group->add(account_, item->batch, item->evaluate, item->when));
    item.reset();
    if (!more) {
      std::lock_guard lock(mutex_);
      more = !queue_.empty();
    }
    // An idle queue commits at once: a small sync's batch is visible without delay.
    if (!more || group->messages() >= kGroupMessages || group->age() >= kGroupAge) commit();
  }
  if (group) commit();  // whole batches only: a stop between batches keeps them
}

}  // namespace prospectd::sync
