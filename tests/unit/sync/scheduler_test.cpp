// The daemon's scheduler (README "run"): one worker per account, request_sync wakes a waiting
// account, one account's failure never stops another, failing accounts are not retried in a busy
// loop, apply() reconciles the workers with a new config, stop_all ends a sync in progress.
// Connectors are fakes handed in through the Scheduler's source factory; the store is real.
#include "sync/scheduler.h"

#include <doctest/doctest.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/batch_group.h"
#include "sync/source_factory.h"
#include "tests/unit/sync/sync_test_support.h"

namespace prospectd::sync {
namespace {

using namespace std::chrono_literals;

// What one account's fake connector is told to do and what it saw. Thread-safe.
class FakeAccount {
 public:
  // deliver: one new message per sync; fail: the error set; hold: deliver after release();
  // stream: one-message batches until the sink refuses; hold_then_stream: stream after release().
  enum class Mode { deliver, fail, hold, stream, hold_then_stream };

  void set(Mode mode, std::optional<core::SourceError> error = std::nullopt) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    error_ = std::move(error);
  }
  int made() const {
    std::lock_guard lock(mutex_);
    return made_;
  }
  int syncs() const {
    std::lock_guard lock(mutex_);
    return syncs_;
  }
  // Mode::hold: waits until a sync is holding; release() lets it finish.
  bool wait_holding() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return holding_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    holding_ = false;
    released_ = true;
    changed_.notify_all();
  }
  // Streaming modes: waits until a sync has handed over `batches` batches.
  bool wait_streamed(int batches) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return streamed_ >= batches; });
  }

  void built() {
    std::lock_guard lock(mutex_);
    ++made_;
  }

  // One sync, as the connector would run it.
  std::expected<connectors::SyncSummary, core::SourceError> sync(const connectors::BatchSink& sink,
                                                                 const connectors::ProgressObserver& progress) {
    Mode mode;
    std::optional<core::SourceError> error;
    int first = 0;
    {
      std::lock_guard lock(mutex_);
      ++syncs_;
      mode = mode_;
      error = error_;
      first = next_message_;
      if (mode == Mode::deliver || mode == Mode::hold) ++next_message_;
    }
    if (mode == Mode::fail) return std::unexpected(*error);
    progress({"INBOX", 0, 1});
    if (mode == Mode::hold || mode == Mode::hold_then_stream) {
      std::unique_lock lock(mutex_);
      holding_ = true;
      released_ = false;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    }
    if (mode == Mode::stream || mode == Mode::hold_then_stream) {
      for (int n = first; n < first + 100000; ++n) {
        sink(test::inbox_batch(n, 1, std::to_string(n)));
        std::lock_guard lock(mutex_);
        next_message_ = n + 1;
        ++streamed_;
        changed_.notify_all();
      }
      return connectors::SyncSummary{100000, 100000, 0};
    }
    sink(test::inbox_batch(first, 1, std::to_string(first)));
    progress({"INBOX", 1, 1});
    return connectors::SyncSummary{1, 1, 0};
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Mode mode_ = Mode::deliver;
  std::optional<core::SourceError> error_;
  int made_ = 0;
  int syncs_ = 0;
  int next_message_ = 1;
  bool holding_ = false;
  bool released_ = false;
  int streamed_ = 0;
};

class FakeSource : public connectors::MessageSource {
 public:
  explicit FakeSource(FakeAccount& account) : account_(account) {}
  std::expected<connectors::SyncSummary, core::SourceError> sync(
      const connectors::CheckpointReader&, const connectors::BatchSink& sink,
      const connectors::ProgressObserver& progress) override {
    return account_.sync(sink, progress);
  }

 private:
  FakeAccount& account_;
};

// Fakes for the accounts named here; every other account gets its real connector.
class Fakes {
 public:
  explicit Fakes(std::initializer_list<std::string> names) {
    for (const auto& name : names) accounts_.emplace(name, std::make_unique<FakeAccount>());
  }
  FakeAccount& operator[](const std::string& name) { return *accounts_.at(name); }

  SourceFactory factory() {
    return [this](const config::AccountConfig& account, const std::atomic<bool>* cancel)
               -> std::expected<std::unique_ptr<connectors::MessageSource>, core::SourceError> {
      const auto it = accounts_.find(account.name);
      if (it == accounts_.end()) return make_source(account, cancel);
      it->second->built();
      return std::make_unique<FakeSource>(*it->second);
    };
  }

 private:
  std::map<std::string, std::unique_ptr<FakeAccount>> accounts_;  // fixed after construction
};

// An [[accounts]] table: IMAP, polling every hour (so that it syncs once, then waits).
std::string imap_account(const std::string& name, const std::string& password_cmd = "printf secret",
                         const std::string& poll_interval = "1h") {
  return "[[accounts]]\nname = \"" + name + "\"\ntype = \"imap\"\nurl = \"imaps://127.0.0.1:1\"\nusername = \"" + name +
         "@acme-sales.com\"\npassword_cmd = \"" + password_cmd + "\"\npoll_interval = \"" + poll_interval + "\"\n";
}

// A config whose store lives in `dir`.
config::Config make_config(const test::TempDir& dir, const std::string& tables) {
  return config::parse_config("data_dir = \"" + dir.path().string() + "\"\n" + tables, dir.path() / "config.toml");
}

std::uint64_t runs(const LiveStatus& live, const std::string& account) {
  const auto counters = live.counters();
  const auto it = counters.find(account);
  return it == counters.end() ? 0 : it->second.sync_runs;
}

TEST_CASE("each account syncs at start and its batches reach the store") {
  test::TempDir dir;
  Fakes fakes{"work", "home"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, imap_account("work") + imap_account("home"));
  scheduler.apply(config);
  REQUIRE(test::eventually([&] { return runs(live, "work") == 1 && runs(live, "home") == 1; }));
  const auto counters = live.counters();
  CHECK(counters.at("work").sync_failures == 0);
  CHECK(counters.at("work").messages_fetched == 1);
  const store::AccountStatus work = test::account_status(config.store_file(), "work");
  CHECK(work.state == "ok");
  CHECK(work.messages == 1);
  CHECK(test::account_status(config.store_file(), "home").state == "ok");
}

TEST_CASE("request_sync wakes the named account at once, or every account") {
  test::TempDir dir;
  Fakes fakes{"work", "home"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  scheduler.apply(make_config(dir, imap_account("work") + imap_account("home")));
  REQUIRE(test::eventually([&] { return runs(live, "work") == 1 && runs(live, "home") == 1; }));

  CHECK(scheduler.request_sync("work"));
  CHECK(test::eventually([&] { return runs(live, "work") == 2; }));
  CHECK(runs(live, "home") == 1);
  CHECK(fakes["work"].made() == 1);  // the connector is kept between syncs

  CHECK(scheduler.request_sync(std::nullopt));
  CHECK(test::eventually([&] { return runs(live, "work") == 3 && runs(live, "home") == 2; }));
  CHECK_FALSE(scheduler.request_sync("nobody"));
}

TEST_CASE("a sync requested while one runs follows it instead of being lost") {
  test::TempDir dir;
  Fakes fakes{"work"};
  fakes["work"].set(FakeAccount::Mode::hold);
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  scheduler.apply(make_config(dir, imap_account("work")));
  REQUIRE(fakes["work"].wait_holding());
  CHECK(live.syncing("work"));
  const auto progress = live.progress_of("work");
  CHECK(progress.has_value());
  CHECK(progress.value_or(LiveProgress{}).folder == "INBOX");
  CHECK(progress.value_or(LiveProgress{}).total == 1);

  fakes["work"].set(FakeAccount::Mode::deliver);
  CHECK(scheduler.request_sync("work"));
  fakes["work"].release();
  CHECK(test::eventually([&] { return runs(live, "work") == 2; }));
  CHECK_FALSE(live.syncing("work"));
  CHECK_FALSE(live.progress_of("work").has_value());
}

TEST_CASE("an account whose password command fails is in auth error, and the others sync on") {
  test::TempDir dir;
  Fakes fakes{"good"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, imap_account("broken", "exit 3") + imap_account("good"));
  scheduler.apply(config);
  REQUIRE(test::eventually([&] { return runs(live, "broken") == 1 && runs(live, "good") == 1; }));
  CHECK(live.counters().at("broken").errors_by_kind == std::map<std::string, std::uint64_t>{{"auth", 1}});
  const store::AccountStatus broken = test::account_status(config.store_file(), "broken");
  CHECK(broken.state == "error");
  CHECK(broken.last_error_kind == "auth");
  CHECK(broken.last_error == "accounts[0].password_cmd: the command failed (exit status 3)");

  // Both are asked again: the broken one fails again, the good one keeps syncing.
  CHECK(scheduler.request_sync(std::nullopt));
  CHECK(test::eventually([&] { return runs(live, "broken") == 2 && runs(live, "good") == 2; }));
  CHECK(live.counters().at("broken").sync_failures == 2);
  CHECK(live.counters().at("good").sync_failures == 0);
  CHECK(test::account_status(config.store_file(), "good").messages == 2);
}

TEST_CASE("control bytes in a server's error text are escaped before they are shown or stored") {
  test::TempDir dir;
  Fakes fakes{"courier"};
  fakes["courier"].set(FakeAccount::Mode::fail,
                       core::SourceError{core::ErrorKind::auth, "Login denied: Access denied. \x02\r\nA1 NO"});
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, imap_account("courier"));
  scheduler.apply(config);
  REQUIRE(test::eventually([&] { return runs(live, "courier") == 1; }));
  const store::AccountStatus status = test::account_status(config.store_file(), "courier");
  CHECK(status.last_error == "Login denied: Access denied. \\x02\\x0d\\x0aA1 NO");
  CHECK(status.last_error_kind == "auth");
}

TEST_CASE("without a source factory the daemon's own connectors are used") {
  test::TempDir dir;
  LiveStatus live;
  Scheduler scheduler(live);
  const config::Config config = make_config(dir, imap_account("work", "exit 7"));
  scheduler.apply(config);
  REQUIRE(test::eventually([&] { return runs(live, "work") == 1; }));
  CHECK(test::account_status(config.store_file(), "work").last_error ==
        "accounts[0].password_cmd: the command failed (exit status 7)");
}

TEST_CASE("an account that fails waits (parked or backing off) instead of polling, and a sync request wakes it") {
  test::TempDir dir;
  const std::map<std::string, core::ErrorKind> failing = {
      {"auth", core::ErrorKind::auth}, {"fatal", core::ErrorKind::fatal}, {"transient", core::ErrorKind::transient}};
  Fakes fakes{"auth", "fatal", "transient", "home"};
  std::string accounts = imap_account("home");
  for (const auto& [name, kind] : failing) {
    fakes[name].set(FakeAccount::Mode::fail, core::SourceError{kind, "the server said no"});
    accounts += imap_account(name, "printf secret", "1s");
  }
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, accounts);
  scheduler.apply(config);
  REQUIRE(test::eventually([&] {
    return runs(live, "auth") == 1 && runs(live, "fatal") == 1 && runs(live, "transient") == 1 &&
           runs(live, "home") == 1;
  }));
  // Well past the 1 s poll interval: auth and fatal park the account, transient backs off >= 2.5 s.
  std::this_thread::sleep_for(1200ms);
  for (const auto& [name, kind] : failing) {
    CAPTURE(name);
    CHECK(fakes[name].syncs() == 1);
    const store::AccountStatus status = test::account_status(config.store_file(), name);
    CHECK(status.state == "error");
    CHECK(status.last_error_kind == core::to_string(kind));
    CHECK(status.last_error == "the server said no");
    CHECK(live.counters().at(name).errors_by_kind == std::map<std::string, std::uint64_t>{{name, 1}});
    fakes[name].set(FakeAccount::Mode::deliver);
  }
  CHECK(scheduler.request_sync(std::nullopt));
  for (const auto& [name, kind] : failing) {
    CAPTURE(name);
    CHECK(test::eventually([&] { return runs(live, name) == 2; }));
    CHECK(fakes[name].made() == 2);  // a failed connector is dropped and made anew
    CHECK(test::account_status(config.store_file(), name).state == "ok");
  }
}

TEST_CASE("a successful account polls again after its poll interval") {
  test::TempDir dir;
  Fakes fakes{"work"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  scheduler.apply(make_config(dir, imap_account("work", "printf secret", "1s")));
  CHECK(test::eventually([&] { return runs(live, "work") >= 2; }, 3000ms));
  CHECK(fakes["work"].made() == 1);
}

TEST_CASE("apply restarts an account whose settings changed and keeps the others running") {
  test::TempDir dir;
  Fakes fakes{"kept", "changed"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  scheduler.apply(make_config(dir, imap_account("kept") + imap_account("changed")));
  REQUIRE(test::eventually([&] { return runs(live, "kept") == 1 && runs(live, "changed") == 1; }));

  scheduler.apply(make_config(dir, imap_account("kept") + imap_account("changed", "printf secret", "2h")));
  REQUIRE(test::eventually([&] { return runs(live, "changed") == 2; }));
  CHECK(fakes["changed"].made() == 2);
  CHECK(fakes["kept"].made() == 1);
  CHECK(runs(live, "kept") == 1);
  CHECK(scheduler.request_sync("kept"));
  CHECK(test::eventually([&] { return runs(live, "kept") == 2; }));
  CHECK(fakes["kept"].made() == 1);
}

TEST_CASE("apply stops removed accounts and starts new ones") {
  test::TempDir dir;
  Fakes fakes{"kept", "removed", "added"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  scheduler.apply(make_config(dir, imap_account("kept") + imap_account("removed")));
  REQUIRE(test::eventually([&] { return runs(live, "kept") == 1 && runs(live, "removed") == 1; }));

  scheduler.apply(make_config(dir, imap_account("kept") + imap_account("added")));
  REQUIRE(test::eventually([&] { return runs(live, "added") == 1; }));
  CHECK(fakes["added"].made() == 1);
  CHECK_FALSE(scheduler.request_sync("removed"));
  CHECK(scheduler.request_sync("added"));
  CHECK(test::eventually([&] { return runs(live, "added") == 2; }));
  CHECK(fakes["removed"].syncs() == 1);
  // Every account's username is one of the rep's own addresses: the identity changed, so the
  // remaining account restarted with the new rules too.
  CHECK(test::eventually([&] { return fakes["kept"].made() == 2; }));
}

TEST_CASE("applying the same config again restarts nothing") {
  test::TempDir dir;
  Fakes fakes{"work"};
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, imap_account("work"));
  scheduler.apply(config);
  REQUIRE(test::eventually([&] { return runs(live, "work") == 1; }));
  scheduler.apply(make_config(dir, imap_account("work")));
  CHECK(scheduler.request_sync("work"));
  CHECK(test::eventually([&] { return runs(live, "work") == 2; }));
  CHECK(fakes["work"].made() == 1);
}

TEST_CASE("changing identity, blocklist or stage rules restarts every account") {
  const std::vector<std::string> changes = {
      "[identity]\naddresses = [\"rep@acme.io\"]\n",
      "[contacts]\nblocklist = [\"globex.com\"]\n",
      "[[stage_rules]]\nname = \"pricing\"\nstage = \"opportunity\"\npattern = \"pricing\"\n",
  };
  for (const auto& change : changes) {
    CAPTURE(change);
    test::TempDir dir;
    Fakes fakes{"work", "home"};
    LiveStatus live;
    Scheduler scheduler(live, fakes.factory());
    const std::string accounts = imap_account("work") + imap_account("home");
    scheduler.apply(make_config(dir, accounts));
    REQUIRE(test::eventually([&] { return runs(live, "work") == 1 && runs(live, "home") == 1; }));
    scheduler.apply(make_config(dir, change + accounts));
    CHECK(test::eventually([&] { return runs(live, "work") == 2 && runs(live, "home") == 2; }));
    CHECK(fakes["work"].made() == 2);
    CHECK(fakes["home"].made() == 2);
  }
}

// The stored count equals the INBOX checkpoint's number when only whole one-message batches,
// numbered as their checkpoints, were committed.
void check_whole_batches(const std::filesystem::path& store_file) {
  const store::AccountStatus work = test::account_status(store_file, "work");
  store::Store store(store_file);
  const auto checkpoint = store.checkpoint(store.ensure_account("work", "imap"), "INBOX");
  CHECK(work.messages == (checkpoint ? std::stoll(checkpoint->state) : 0));
}

TEST_CASE("stop_all ends a sync in progress promptly and keeps whole batches only") {
  test::TempDir dir;
  Fakes fakes{"work"};
  fakes["work"].set(FakeAccount::Mode::stream);
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, imap_account("work"));
  scheduler.apply(config);
  REQUIRE(fakes["work"].wait_streamed(1));
  const auto started = std::chrono::steady_clock::now();
  scheduler.stop_all();
  CHECK(std::chrono::steady_clock::now() - started < 2s);

  CHECK_FALSE(scheduler.request_sync("work"));
  CHECK(live.counters().at("work").sync_failures == 1);
  CHECK(test::account_status(config.store_file(), "work").state == "error");
  check_whole_batches(config.store_file());
}

// What a stop that comes while the connector waits for the store writer leaves behind.
struct StopOutcome {
  std::chrono::steady_clock::duration unblocked_to_stopped{};
  AccountCounters counters;
  store::AccountStatus status;
};

// A sync streams batches while a second connection holds the store's write lock, so the writer
// waits for the lock and the connector for the writer (its queue full), as in a bulk sync on a
// slow disk. Then stop_all comes, and the lock is released.
StopOutcome stop_while_the_writer_waits(const test::TempDir& dir) {
  Fakes fakes{"work"};
  fakes["work"].set(FakeAccount::Mode::hold_then_stream);
  LiveStatus live;
  Scheduler scheduler(live, fakes.factory());
  const config::Config config = make_config(dir, imap_account("work"));
  scheduler.apply(config);
  REQUIRE(fakes["work"].wait_holding());
  StopOutcome outcome;
  {
    store::Store blocker(config.store_file());
    std::optional<store::BatchGroup> write_lock(std::in_place, blocker);  // BEGIN IMMEDIATE
    fakes["work"].release();
    REQUIRE(fakes["work"].wait_streamed(3));  // one batch with the writer, two queued
    std::this_thread::sleep_for(50ms);        // the fourth push is waiting for room
    std::thread stopping([&] { scheduler.stop_all(); });
    std::this_thread::sleep_for(50ms);
    const auto unblocked = std::chrono::steady_clock::now();
    write_lock.reset();  // rolls back: the writer stores its batch and sees the stop
    stopping.join();
    outcome.unblocked_to_stopped = std::chrono::steady_clock::now() - unblocked;
  }
  CHECK_FALSE(scheduler.request_sync("work"));
  check_whole_batches(config.store_file());
  outcome.counters = live.counters().at("work");
  outcome.status = test::account_status(config.store_file(), "work");
  return outcome;
}

TEST_CASE("a stop while the connector waits for the store writer ends promptly and keeps whole batches") {
  test::TempDir dir;
  const StopOutcome outcome = stop_while_the_writer_waits(dir);
  CHECK(outcome.unblocked_to_stopped < 2s);
  CHECK(outcome.counters.sync_failures == 1);
  CHECK(outcome.status.state == "error");
  CHECK(outcome.status.messages >= 1);  // the batch the writer had in hand
}

// A stop while push waits for room (the queue is full, as in any bulk sync) ends the writer; the
// pass must report the stop, not "cannot write the store" (sync/sync_runner.cpp).
TEST_CASE("a stop while the connector waits for the store writer is recorded as a stop, not a store failure") {
  test::TempDir dir;
  const StopOutcome outcome = stop_while_the_writer_waits(dir);
  CHECK(outcome.counters.errors_by_kind == std::map<std::string, std::uint64_t>{{"transient", 1}});
  CHECK(outcome.status.last_error_kind == "transient");
  CHECK(outcome.status.last_error == "stopped before the sync finished (prospectd was shut down)");
}

}  // namespace
}  // namespace prospectd::sync
