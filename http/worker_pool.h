// The HTTP server's worker threads (a cpp-httplib TaskQueue). Each worker owns one read-only
// store connection, opened on first use, which only the handlers it runs may touch.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/reader.h"

namespace prospectd::http {

// The store cannot be read yet (no file before the first sync, or it cannot be opened).
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpWorkerPool final : public httplib::TaskQueue {
 public:
  HttpWorkerPool(std::size_t threads, std::filesystem::path store_file);
  ~HttpWorkerPool() override;

  void enqueue(std::function<void()> task) override;
  // Runs the queued tasks to their end, then joins the workers (closing their connections).
  void shutdown() override;

 private:
  void work();

  std::filesystem::path store_file_;
  std::mutex mutex_;  // guards tasks_ and stopping_
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The read-only store connection of the pool worker running the caller.
// REQUIRES: called from an HttpWorkerPool worker. Throws StoreUnavailable.
store::StoreReader& worker_reader();

}  // namespace prospectd::http
