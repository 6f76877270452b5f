// The webhook publisher (publish/webhook_publisher.h) on a real store and a real local receiver:
// a delivery still refused 24 hours after its first attempt is marked failed and the contact's
// next events go on; a refused delivery is kept with its body and retried later; once the
// receiver answers 2xx everything left is delivered and the target counts as drained.
#include "publish/webhook_publisher.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "publish/publish_targets.h"
#include "store/outbox.h"
#include "store/reader.h"
#include "store/store.h"
#include "sync/classify.h"
#include "sync/rules_context.h"
#include "tests/support/temp_dir.h"

namespace prospectd::publish {
namespace {

constexpr const char* kRep = "rep@acme-sales.com";

core::MessageMeta inbound(const std::string& id, const std::string& from, std::int64_t date) {
  core::MessageMeta meta;
  meta.folder = "INBOX";
  meta.source_id = "1:" + id;
  meta.message_id = id;
  meta.from = {{"", from}};
  meta.to = {{"", kRep}};
  meta.subject = "Hello";
  meta.date = date;
  meta.received_at = date;
  return meta;
}

// A receiver on 127.0.0.1 answering every POST with `status` (changeable), counting them.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request&, httplib::Response& res) {
      ++posts;
      res.status = status.load();
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  std::atomic<int> status{500};
  std::atomic<int> posts{0};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

long long query_int(const std::filesystem::path& file, const std::string& sql) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

void exec(const std::filesystem::path& file, const std::string& sql) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.exec(sql);
}

TEST_CASE(
    "a delivery refused for 24 hours is marked failed, and the next ones are delivered once the receiver is back") {
  testing::TempDir dir;
  const auto file = dir.path() / "prospectd.sqlite";
  Receiver receiver;
  ::setenv("PROSPECTD_TEST_WEBHOOK_SECRET", "s3cret", 1);
  config::WebhookConfig webhook;
  webhook.url = receiver.url();
  webhook.secret = {config::SecretSource::Kind::environment, "PROSPECTD_TEST_WEBHOOK_SECRET", "webhooks[0].secret_env"};
  webhook.events = {"stage_changed", "contact_created"};
  webhook.timeout = std::chrono::seconds(5);
  const std::string target = webhook_target_name(webhook);
  const std::int64_t now = std::time(nullptr);
  {
    store::Store store(file);
    store::Outbox outbox(store);
    const store::PublishTarget targets[] = {{target, "webhook", "stage_changed,contact_created"}};
    outbox.set_targets(targets, now);
    sync::RulesContext rules{rules::Identity({kRep}, {"acme-sales.com"}), rules::Blocklist(), {}};
    store::ClassifiedBatch batch;
    batch.messages.push_back(sync::classify_message(inbound("a@x", "ann@alpha.example", now - 3 * 86400), rules));
    batch.messages.push_back(sync::classify_message(inbound("b@x", "ben@beta.example", now - 2 * 86400), rules));
    batch.checkpoint = {"INBOX", "{}", std::nullopt};
    store.commit_batch(store.ensure_account("work", "imap"), batch, rules.evaluator());
  }
  REQUIRE(query_int(file, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 2);
  // Ann's creation was first tried 25 hours ago (its body frozen then); Ben's never.
  exec(file,
       "UPDATE outbox SET first_attempt_at = strftime('%s', 'now') - 25 * 3600, body = '{\"frozen\":true}'"
       " WHERE contact_email = 'ann@alpha.example'");

  WebhookPublisher publisher(webhook, file);
  const std::atomic<bool> stop{false};
  const auto wait = publisher.publish_due(stop);

  CHECK(receiver.posts == 2);
  CHECK(query_int(file,
                  "SELECT count(*) FROM outbox WHERE contact_email = 'ann@alpha.example'"
                  " AND state = 'failed' AND last_error LIKE '%500%'") == 1);
  // Ben's creation: refused once, kept with its body for a later retry, not before its time.
  CHECK(query_int(file,
                  "SELECT count(*) FROM outbox WHERE contact_email = 'ben@beta.example' AND state = 'pending'"
                  " AND attempts = 1 AND body IS NOT NULL AND next_attempt_at > strftime('%s', 'now')") == 1);
  CHECK(wait >= std::chrono::seconds(1));
  CHECK_FALSE(publisher.drained());
  {
    store::StoreReader reader(file);
    const auto status = reader.publish_status();
    CHECK(status.failed == 1);
    CHECK(status.pending == 1);
    REQUIRE(status.targets.size() == 1);
    CHECK(status.targets[0].last_error.find("500") != std::string::npos);
  }

  receiver.status = 200;
  exec(file, "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'");  // its backoff has passed
  publisher.publish_due(stop);
  CHECK(receiver.posts == 3);  // the failed one is not sent again
  CHECK(query_int(file, "SELECT count(*) FROM outbox WHERE state = 'delivered' AND body IS NULL") == 1);
  CHECK(publisher.drained());
  store::StoreReader reader(file);
  CHECK(reader.publish_status().pending == 0);
  CHECK(reader.publish_status().targets[0].last_success_at.has_value());
}

}  // namespace
}  // namespace prospectd::publish
