// The store writer thread (sync/store_writer.h) on a real SQLite store: batches commit whole and
// in order, a lone batch is visible at once, batches queued behind a slow one commit together,
// a stop keeps the batch in hand and drops the rest, and a store failure reaches the producer.
#include "sync/store_writer.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "sync/classify.h"
#include "tests/unit/sync/sync_test_support.h"

namespace prospectd::sync {
namespace {

using test::inbox_batch;
using test::stored_messages;

// A store in a temporary directory with one account, and the rep's rules.
struct WriterFixture {
  test::TempDir dir;
  std::filesystem::path file = dir.path() / "prospectd.sqlite";
  RulesContext rules = test::rep_rules();
  store::AccountId account = store::Store(file).ensure_account("work", "imap");

  store::ClassifiedBatch batch(int first, int count, const std::string& state) const {
    return classify_batch(inbox_batch(first, count, state), rules);
  }
  std::optional<core::Checkpoint> inbox_checkpoint() const { return store::Store(file).checkpoint(account, "INBOX"); }
};

// An evaluator that, on its first call, blocks the writer thread until released.
class Gate {
 public:
  explicit Gate(store::ContactEvaluator inner) : inner_(std::move(inner)) {}

  store::ContactEvaluator evaluator() {
    return [this](std::span<const rules::MessageFact> facts) {
      std::unique_lock lock(mutex_);
      if (!entered_) {
        entered_ = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return released_; });
      }
      return inner_(facts);
    };
  }
  bool wait_entered() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  store::ContactEvaluator inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool released_ = false;
};

// Releases a gate when the test leaves its scope early, so that the writer's thread can end.
class ReleaseOnExit {
 public:
  explicit ReleaseOnExit(Gate& gate) : gate_(gate) {}
  ~ReleaseOnExit() { gate_.release(); }
  ReleaseOnExit(const ReleaseOnExit&) = delete;
  ReleaseOnExit& operator=(const ReleaseOnExit&) = delete;

 private:
  Gate& gate_;
};

TEST_CASE("pushed batches are all stored, in order, and their outcomes add up") {
  WriterFixture fixture;
  StoreWriter writer(fixture.file, fixture.account, nullptr);
  for (int i = 0; i < 5; ++i) {
    writer.push(fixture.batch(1 + 2 * i, 2, "after-" + std::to_string(i)), fixture.rules.evaluator(),
                store::Evaluation::now);
  }
  const StoredCounts totals = writer.finish();
  CHECK(totals.inserted == 10);
  CHECK(totals.already_stored == 0);
  CHECK(totals.contacts_created == 1);  // jane@globex.com wrote all ten
  CHECK(stored_messages(fixture.file) == 10);
  const auto checkpoint = fixture.inbox_checkpoint();
  REQUIRE(checkpoint.has_value());
  CHECK(checkpoint->state == "after-4");  // the last batch's checkpoint is the one that stays
}

TEST_CASE("a batch pushed twice is stored once and counted as already stored") {
  WriterFixture fixture;
  StoreWriter writer(fixture.file, fixture.account, nullptr);
  writer.push(fixture.batch(1, 3, "a"), fixture.rules.evaluator(), store::Evaluation::now);
  writer.push(fixture.batch(1, 3, "a"), fixture.rules.evaluator(), store::Evaluation::now);
  const StoredCounts totals = writer.finish();
  CHECK(totals.inserted == 3);
  CHECK(totals.already_stored == 3);
  CHECK(stored_messages(fixture.file) == 3);
}

TEST_CASE("finish with nothing pushed stores nothing and reports zero") {
  WriterFixture fixture;
  StoreWriter writer(fixture.file, fixture.account, nullptr);
  const StoredCounts totals = writer.finish();
  CHECK(totals.inserted == 0);
  CHECK(totals.promoted.empty());
  CHECK(stored_messages(fixture.file) == 0);
  CHECK_FALSE(fixture.inbox_checkpoint().has_value());
}

TEST_CASE("a lone batch is committed without waiting for more or for finish") {
  WriterFixture fixture;
  StoreWriter writer(fixture.file, fixture.account, nullptr);
  writer.push(fixture.batch(1, 2, "one"), fixture.rules.evaluator(), store::Evaluation::now);
  CHECK(test::eventually([&] { return stored_messages(fixture.file) == 2; }));
  CHECK(fixture.inbox_checkpoint().value_or(core::Checkpoint{}).state == "one");
  CHECK(writer.finish().inserted == 2);
}

TEST_CASE("batches queued behind a slow one commit together with it") {
  WriterFixture fixture;
  Gate gate(fixture.rules.evaluator());
  std::atomic<std::int64_t> visible_while_adding_third{-1};
  const store::ContactEvaluator look = [&](std::span<const rules::MessageFact> facts) {
    visible_while_adding_third = stored_messages(fixture.file);  // another connection's view
    return fixture.rules.evaluator()(facts);
  };
  StoreWriter writer(fixture.file, fixture.account, nullptr);
  const ReleaseOnExit release_on_exit(gate);
  writer.push(fixture.batch(1, 1, "1"), gate.evaluator(), store::Evaluation::now);
  REQUIRE(gate.wait_entered());
  writer.push(fixture.batch(2, 1, "2"), fixture.rules.evaluator(), store::Evaluation::now);
  writer.push(fixture.batch(3, 1, "3"), look, store::Evaluation::now);
  gate.release();
  const StoredCounts totals = writer.finish();
  CHECK(visible_while_adding_third == 0);  // nothing committed yet: one transaction for all three
  CHECK(totals.inserted == 3);
  CHECK(stored_messages(fixture.file) == 3);
  CHECK(fixture.inbox_checkpoint().value_or(core::Checkpoint{}).state == "3");
}

TEST_CASE("each batch is evaluated now or deferred as pushed") {
  WriterFixture fixture;
  {
    StoreWriter writer(fixture.file, fixture.account, nullptr);
    writer.push(fixture.batch(1, 1, "1"), fixture.rules.evaluator(), store::Evaluation::now);
    writer.finish();
  }
  CHECK(store::Store(fixture.file).pending_evaluations() == 0);
  {
    StoreWriter writer(fixture.file, fixture.account, nullptr);
    writer.push(classify_batch(
                    [] {
                      core::Batch batch = inbox_batch(2, 1, "2");
                      batch.messages[0].from = {{"", "joe@initech.com"}};
                      return batch;
                    }(),
                    fixture.rules),
                fixture.rules.evaluator(), store::Evaluation::deferred);
    writer.finish();
  }
  CHECK(store::Store(fixture.file).pending_evaluations() > 0);
}

TEST_CASE("a stop commits the batch in hand and drops the batches not begun") {
  WriterFixture fixture;
  std::atomic<bool> stop{false};
  Gate gate(fixture.rules.evaluator());
  StoreWriter writer(fixture.file, fixture.account, &stop);
  const ReleaseOnExit release_on_exit(gate);
  writer.push(fixture.batch(1, 2, "first"), gate.evaluator(), store::Evaluation::now);
  REQUIRE(gate.wait_entered());
  writer.push(fixture.batch(3, 2, "second"), fixture.rules.evaluator(), store::Evaluation::now);
  stop = true;
  gate.release();
  const StoredCounts totals = writer.finish();
  CHECK(totals.inserted == 2);
  CHECK(stored_messages(fixture.file) == 2);
  CHECK(fixture.inbox_checkpoint().value_or(core::Checkpoint{}).state == "first");
}

TEST_CASE("a stopped writer stores nothing more") {
  WriterFixture fixture;
  std::atomic<bool> stop{true};
  StoreWriter writer(fixture.file, fixture.account, &stop);
  try {
    writer.push(fixture.batch(1, 2, "late"), fixture.rules.evaluator(), store::Evaluation::now);
  } catch (const WriterFailure& failure) {
    CHECK(failure.message == "the store writer has stopped");  // if the thread ended first
  }
  CHECK(writer.finish().inserted == 0);
  CHECK(stored_messages(fixture.file) == 0);
}

TEST_CASE("a batch the store cannot take fails the writer: push and finish report it, earlier commits stay") {
  WriterFixture fixture;
  StoreWriter writer(fixture.file, fixture.account, nullptr);
  writer.push(fixture.batch(1, 2, "good"), fixture.rules.evaluator(), store::Evaluation::now);
  REQUIRE(test::eventually([&] { return stored_messages(fixture.file) == 2; }));
  const store::ContactEvaluator broken = [](std::span<const rules::MessageFact>) -> rules::ContactEvaluation {
    throw std::runtime_error("database or disk is full (simulated)");
  };
  writer.push(fixture.batch(3, 2, "bad"), broken, store::Evaluation::now);
  // The queue holds two batches: by the third push after the failure the writer must refuse.
  std::string refused;
  for (int i = 0; i < 3 && refused.empty(); ++i) {
    try {
      writer.push(fixture.batch(10 + i, 1, "after"), fixture.rules.evaluator(), store::Evaluation::now);
    } catch (const WriterFailure& failure) {
      refused = failure.message;
    }
  }
  CHECK(refused == "database or disk is full (simulated)");
  CHECK_THROWS_AS(writer.finish(), WriterFailure);
  CHECK(stored_messages(fixture.file) == 2);
  CHECK(fixture.inbox_checkpoint().value_or(core::Checkpoint{}).state == "good");
}

TEST_CASE("a store file that cannot be opened fails the writer with a message naming it") {
  test::TempDir dir;
  const auto not_a_directory = dir.path() / "plain-file";
  std::ofstream(not_a_directory) << "x";
  const auto file = not_a_directory / "prospectd.sqlite";
  StoreWriter writer(file, 1, nullptr);
  std::string message;
  try {
    writer.finish();
  } catch (const WriterFailure& failure) {
    message = failure.message;
  }
  CHECK(message.find(file.string()) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(file));
}

}  // namespace
}  // namespace prospectd::sync
