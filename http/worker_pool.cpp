// Worker threads with a store connection each: a thread-local pointer to the worker's own
// connection slot is how a handler finds its reader; the pool owns the slots' lifetimes.
#include "http/worker_pool.h"

#include <memory>

namespace prospectd::http {
namespace {

struct WorkerSlot {
  std::filesystem::path store_file;
  std::unique_ptr<store::StoreReader> reader;
  bool schema_current = false;  // once true, stays true (migrations only run at daemon start)
};

thread_local WorkerSlot* current_slot = nullptr;

}  // namespace

HttpWorkerPool::HttpWorkerPool(std::size_t threads, std::filesystem::path store_file)
    : store_file_(std::move(store_file)) {
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

HttpWorkerPool::~HttpWorkerPool() { shutdown(); }

void HttpWorkerPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void HttpWorkerPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void HttpWorkerPool::work() {
  WorkerSlot slot{store_file_, nullptr, false};
  current_slot = &slot;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) break;  // stopping, and nothing left to do
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
  current_slot = nullptr;
}

store::StoreReader& worker_reader() {
  if (current_slot == nullptr) throw std::logic_error("worker_reader() outside an HTTP worker");
  if (!current_slot->reader) {
    std::error_code error;
    if (!std::filesystem::exists(current_slot->store_file, error)) {
      throw StoreUnavailable("the store does not exist yet (waiting for the first sync)");
    }
    try {
      current_slot->reader = std::make_unique<store::StoreReader>(current_slot->store_file);
    } catch (const std::exception& failure) {
      throw StoreUnavailable(failure.what());
    }
  }
  if (!current_slot->schema_current) {
    bool current = false;
    try {
      current = current_slot->reader->schema_current();
    } catch (const std::exception& failure) {
      current_slot->reader.reset();  // opened too early (a file being created): reopen next time
      throw StoreUnavailable(failure.what());
    }
    if (!current) throw StoreUnavailable("the store is being created");
    current_slot->schema_current = true;
  }
  return *current_slot->reader;
}

}  // namespace prospectd::http
