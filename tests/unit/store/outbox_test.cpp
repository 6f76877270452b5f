// The outbox (ARCHITECTURE.md "Team and webhooks") on real SQLite files: what the triggers queue
// for webhook and team targets, the order webhook items come in, team marks and their versions,
// dropped targets, the backlog StoreReader reports, forget, and the v9 migration.
#include "store/outbox.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/internal/migrations.h"
#include "store/reader.h"
#include "store/store.h"
#include "sync/classify.h"
#include "sync/rules_context.h"
#include "tests/unit/store/store_test_support.h"

namespace prospectd::store {
namespace {

constexpr std::int64_t kDay = 24 * 3600;
constexpr std::int64_t kStart = 1'700'000'000;  // 2023-11-14
constexpr std::int64_t kNow = 1'800'000'000;    // when the publisher looks

constexpr const char* kRep = "rep@acme-sales.com";
constexpr const char* kJane = "jane@client.example";
constexpr const char* kBob = "bob@bob.example";

std::int64_t day(int n) { return kStart + n * kDay; }

const PublishTarget kHook{"webhook a", "webhook", "stage_changed,contact_created"};
const PublishTarget kOtherHook{"webhook b", "webhook", "stage_changed,contact_created"};
const PublishTarget kTeam{"team", "team", ""};

sync::RulesContext sales_rules() {
  sync::RulesContext rules{rules::Identity({kRep}, {"acme-sales.com"}), rules::Blocklist(), {}};
  rules.stage_rules.push_back(rules::make_stage_rule("pricing", core::Stage::opportunity, "pricing|quote"));
  return rules;
}

core::MessageMeta mail(const std::string& id, const std::string& from, const std::string& to,
                       const std::string& subject, std::int64_t date, const std::string& parent = "",
                       const std::string& folder = "INBOX") {
  core::MessageMeta meta;
  meta.folder = folder;
  meta.source_id = "1:" + id;
  meta.message_id = id;
  meta.from = {{"", from}};
  meta.to = {{"", to}};
  meta.subject = subject;
  meta.date = date;
  meta.received_at = date;
  if (!parent.empty()) {
    meta.in_reply_to = parent;
    meta.references = {parent};
  }
  return meta;
}

// Jane writes (she becomes a lead), Bob writes (a lead), the rep answers Jane (two-way: she
// becomes a prospect).
core::MessageMeta janes_hello() { return mail("q1@client.example", kJane, kRep, "Hello", day(1)); }
core::MessageMeta bobs_question() { return mail("b1@bob.example", kBob, kRep, "Question", day(2)); }
core::MessageMeta reply_to_jane() {
  return mail("a1@acme-sales.com", kRep, kJane, "Re: Hello", day(3), "q1@client.example", "Sent");
}

// A store in a temporary directory with the rep's rules, and an Outbox on it.
class OutboxFixture {
 public:
  OutboxFixture()
      : rules_(sales_rules()),
        store_(std::make_unique<Store>(file())),
        outbox_(std::make_unique<Outbox>(*store_)),
        account_(store_->ensure_account("work", "imap")) {}

  std::filesystem::path file() const { return dir_.path() / "prospectd.sqlite"; }
  Store& store() { return *store_; }
  Outbox& outbox() { return *outbox_; }

  BatchOutcome commit(const std::vector<core::MessageMeta>& mails) {
    ClassifiedBatch batch;
    for (const auto& meta : mails) batch.messages.push_back(sync::classify_message(meta, rules_));
    batch.checkpoint = {"INBOX", "{}", std::nullopt};
    return store_->commit_batch(account_, batch, rules_.evaluator());
  }

  void rebuild() {
    const sync::RulesContext& rules = rules_;
    store_->rebuild(
        [&rules](const core::MessageMeta& message, bool automated) {
          ClassifiedMessage classified = sync::classify_message(message, rules);
          if (automated) classified.contacts.clear();
          return Reclassification{classified.direction, std::move(classified.contacts)};
        },
        rules_.evaluator());
  }

  void set_targets(const std::vector<PublishTarget>& targets, std::int64_t now = kNow) {
    outbox_->set_targets(targets, now);
  }

  long long count(const std::string& sql) { return test::query_int(*store_, sql); }

  // A target's queued items in the order queued, one a line: "email type from -> to actor rule message".
  std::string queued(const std::string& target) {
    SQLite::Database db = test::raw_connection(*store_);
    SQLite::Statement query(db,
                            "SELECT contact_email, type, from_stage, to_stage, actor, rule, message_id FROM outbox"
                            " WHERE target = ? ORDER BY id");
    query.bind(1, target);
    std::string text;
    while (query.executeStep()) {
      const std::string from = query.getColumn(2).getString();
      text += query.getColumn(0).getString() + " " + query.getColumn(1).getString() + " " +
              (from.empty() ? "-" : from) + " -> " + query.getColumn(3).getString() + " " +
              query.getColumn(4).getString() + " " + query.getColumn(5).getString() + " " +
              query.getColumn(6).getString() + "\n";
    }
    return text;
  }

  // The stage history of every contact in the order of its rows, as queued() shows items.
  std::string history() {
    SQLite::Database db = test::raw_connection(*store_);
    SQLite::Statement query(db,
                            "SELECT c.email, CASE WHEN e.from_stage IS NULL THEN 'contact_created'"
                            " ELSE 'stage_changed' END, coalesce(e.from_stage, '-'), e.to_stage, e.actor, e.rule,"
                            " e.message_id FROM stage_events e JOIN contacts c ON c.id = e.contact_id ORDER BY e.id");
    std::string text;
    while (query.executeStep()) {
      for (int column = 0; column < 7; ++column) {
        text += query.getColumn(column).getString() + (column == 2 ? " -> " : column == 6 ? "\n" : " ");
      }
    }
    return text;
  }

  // The due items of a target as "email type to", in the order given.
  std::vector<std::string> due(const std::string& target, std::int64_t now = kNow) {
    std::vector<std::string> items;
    for (const WebhookItem& item : outbox_->due_webhook_items(target, now, 100)) {
      items.push_back(item.contact_email + " " + item.type + " " + item.to);
    }
    return items;
  }

  std::set<std::string> marked() {
    SQLite::Database db = test::raw_connection(*store_);
    SQLite::Statement query(db, "SELECT email FROM team_dirty");
    std::set<std::string> emails;
    while (query.executeStep()) emails.insert(query.getColumn(0).getString());
    return emails;
  }

  void reopen() {
    outbox_.reset();
    store_.reset();
    store_ = std::make_unique<Store>(file());
    outbox_ = std::make_unique<Outbox>(*store_);
  }

 private:
  test::TempDir dir_;
  sync::RulesContext rules_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Outbox> outbox_;
  AccountId account_;
};

const WebhookItem* item_of(const std::vector<WebhookItem>& items, const std::string& email) {
  for (const WebhookItem& item : items) {
    if (item.contact_email == email) return &item;
  }
  return nullptr;
}

const team::ContactChange* change_of(const TeamBatch& batch, const std::string& email) {
  for (const team::ContactChange& change : batch.changes) {
    if (change.email == email) return &change;
  }
  return nullptr;
}

TEST_CASE("without publish targets nothing is queued") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});
  fixture.store().move_stage(kBob, core::Stage::customer, "signed", day(4));
  fixture.store().block({rules::BlockEntry::Kind::address, kBob}, day(5));

  CHECK(fixture.count("SELECT COUNT(*) FROM stage_events") == 4);
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 0);
  CHECK(fixture.count("SELECT COUNT(*) FROM team_dirty") == 0);
}

TEST_CASE("a webhook target gets the whole existing history queued, in the order recorded") {
  OutboxFixture fixture;
  fixture.commit({janes_hello()});
  fixture.commit({bobs_question()});
  fixture.commit({reply_to_jane()});

  fixture.set_targets({kHook});

  // In the order of the stage history's rows: Jane's history was recorded again (after Bob's)
  // when the rep's reply promoted her; each contact's events stay in their order.
  CHECK(fixture.queued(kHook.name) ==
        "bob@bob.example contact_created - -> lead rule first-contact b1@bob.example\n"
        "jane@client.example contact_created - -> lead rule first-contact q1@client.example\n"
        "jane@client.example stage_changed lead -> prospect rule two-way a1@acme-sales.com\n");
  CHECK(fixture.queued(kHook.name) == fixture.history());
  const auto items = fixture.outbox().due_webhook_items(kHook.name, kNow, 10);
  REQUIRE(items.size() == 2);  // Jane's promotion waits for her creation
  CHECK(items[0].contact_email == kBob);
  const WebhookItem& jane = items[1];
  CHECK(jane.contact_email == kJane);
  CHECK(jane.type == "contact_created");
  CHECK_FALSE(jane.from.has_value());
  CHECK(jane.to == "lead");
  CHECK(jane.at == day(1));
  CHECK(jane.actor == "rule");
  CHECK(jane.rule == "first-contact");
  CHECK(jane.message_id == "q1@client.example");
  CHECK(jane.thread.has_value());
  CHECK_FALSE(jane.body.has_value());
  CHECK(jane.attempts == 0);
  CHECK_FALSE(jane.first_attempt_at.has_value());
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE created_at = " + std::to_string(kNow)) == 3);
}

TEST_CASE("a webhook target for stage_changed alone gets no contact_created") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});

  fixture.set_targets({{"webhook stages", "webhook", "stage_changed"}, {"webhook new", "webhook", "contact_created"}});

  CHECK(fixture.queued("webhook stages") ==
        "jane@client.example stage_changed lead -> prospect rule two-way a1@acme-sales.com\n");
  CHECK(fixture.queued("webhook new") ==
        "bob@bob.example contact_created - -> lead rule first-contact b1@bob.example\n"
        "jane@client.example contact_created - -> lead rule first-contact q1@client.example\n");

  // And so for new events.
  fixture.commit({mail("c1@carol.example", "carol@carol.example", kRep, "Hi", day(4))});
  fixture.store().move_stage("carol@carol.example", core::Stage::customer, "", day(5));
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook stages'") == 2);
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook new'") == 3);
}

TEST_CASE("a promotion by a later batch and a manual move are queued in the commit that makes them") {
  OutboxFixture fixture;
  fixture.set_targets({kHook});

  fixture.commit({janes_hello()});
  CHECK(fixture.queued(kHook.name) ==
        "jane@client.example contact_created - -> lead rule first-contact q1@client.example\n");

  const auto outcome = fixture.commit({reply_to_jane()});
  REQUIRE(outcome.promoted == std::vector<std::string>{kJane});
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 2);

  const auto moved = fixture.store().move_stage(kJane, core::Stage::customer, "signed the order", day(6));
  REQUIRE(moved.found);
  CHECK(fixture.queued(kHook.name) ==
        "jane@client.example contact_created - -> lead rule first-contact q1@client.example\n"
        "jane@client.example stage_changed lead -> prospect rule two-way a1@acme-sales.com\n"
        "jane@client.example stage_changed prospect -> customer user manual \n");
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE note = 'signed the order' AND at = " +
                      std::to_string(day(6))) == 1);
}

TEST_CASE("re-evaluating the same contacts queues nothing new") {
  OutboxFixture fixture;
  fixture.set_targets({kHook});
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});
  fixture.store().move_stage(kBob, core::Stage::disqualified, "", day(4));
  const std::string queued = fixture.queued(kHook.name);
  REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox") == 4);

  SUBCASE("the same batches committed again") {
    fixture.commit({janes_hello(), bobs_question()});
    fixture.commit({reply_to_jane()});
    CHECK(fixture.queued(kHook.name) == queued);
  }
  SUBCASE("a rebuild re-deriving the history") {
    fixture.rebuild();
    CHECK(fixture.queued(kHook.name) == queued);
  }
  SUBCASE("a rebuild after delivery does not send the events again") {
    for (const auto& item : fixture.outbox().due_webhook_items(kHook.name, kNow, 10)) {
      fixture.outbox().mark_delivered(item.row, kNow);
    }
    for (const auto& item : fixture.outbox().due_webhook_items(kHook.name, kNow, 10)) {
      fixture.outbox().mark_delivered(item.row, kNow);
    }
    REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 0);
    fixture.rebuild();
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 0);
    CHECK(fixture.queued(kHook.name) == queued);
  }
}

TEST_CASE("a blocked contact's events are not queued for webhooks") {
  OutboxFixture fixture;
  fixture.commit({bobs_question()});
  fixture.store().block({rules::BlockEntry::Kind::domain, "bob.example"}, day(3));
  fixture.set_targets({kHook});
  CHECK(fixture.queued(kHook.name).empty());

  fixture.commit({mail("b2@bob.example", "ann@bob.example", kRep, "Hi", day(4))});
  fixture.commit({janes_hello()});
  CHECK(fixture.queued(kHook.name) ==
        "jane@client.example contact_created - -> lead rule first-contact q1@client.example\n");
}

TEST_CASE("blocking a contact drops what waits for the webhooks about them, delivered items stay") {
  OutboxFixture fixture;
  fixture.set_targets({kHook});
  fixture.commit({janes_hello(), bobs_question()});
  Outbox& outbox = fixture.outbox();
  for (const auto& item : outbox.due_webhook_items(kHook.name, day(3), 10)) {
    if (item.contact_email == kJane) outbox.mark_delivered(item.row, day(3));
  }
  REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 1);  // Bob's creation

  fixture.store().block({rules::BlockEntry::Kind::address, kBob}, day(4));
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") == 0);
  fixture.store().block({rules::BlockEntry::Kind::address, kJane}, day(4));
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") == 1);
}

TEST_CASE("webhook items come in order per contact") {
  OutboxFixture fixture;
  fixture.set_targets({kHook});
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});
  fixture.store().move_stage(kJane, core::Stage::customer, "", day(5));
  Outbox& outbox = fixture.outbox();
  REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox") == 4);

  // Jane's promotion and move wait for her creation; Bob's creation does not.
  CHECK(fixture.due(kHook.name) ==
        std::vector<std::string>{"jane@client.example contact_created lead", "bob@bob.example contact_created lead"});
  const auto first = outbox.due_webhook_items(kHook.name, kNow, 10);
  const std::int64_t janes_creation = item_of(first, kJane)->row;
  const std::int64_t bobs_creation = item_of(first, kBob)->row;
  CHECK(outbox.due_webhook_items(kHook.name, kNow, 1).size() == 1);
  CHECK(outbox.next_webhook_due(kHook.name, kNow) == 0);

  SUBCASE("a retry holds back the contact's later items, not other contacts'") {
    outbox.freeze_body(janes_creation, R"({"event":1})", kNow);
    outbox.mark_retry(janes_creation, kNow + 60, "503 Service Unavailable");
    CHECK(fixture.due(kHook.name) == std::vector<std::string>{"bob@bob.example contact_created lead"});
    CHECK(fixture.due(kHook.name, kNow + 59) == std::vector<std::string>{"bob@bob.example contact_created lead"});
    outbox.mark_delivered(bobs_creation, kNow);
    CHECK(fixture.due(kHook.name).empty());
    CHECK(outbox.next_webhook_due(kHook.name, kNow) == 60);
    CHECK(outbox.next_webhook_due(kHook.name, kNow + 100) == 0);

    // The retry sends the body frozen at the first attempt.
    const auto retry = outbox.due_webhook_items(kHook.name, kNow + 60, 10);
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].row == janes_creation);
    CHECK(retry[0].body == R"({"event":1})");
    CHECK(retry[0].attempts == 1);
    CHECK(retry[0].first_attempt_at == kNow);
    outbox.freeze_body(janes_creation, R"({"event":1})", kNow + 60);
    CHECK(outbox.due_webhook_items(kHook.name, kNow + 60, 10)[0].first_attempt_at == kNow);

    outbox.mark_delivered(janes_creation, kNow + 60);
    CHECK(fixture.count("SELECT body IS NULL FROM outbox WHERE id = " + std::to_string(janes_creation)) == 1);
    CHECK(fixture.count("SELECT attempts FROM outbox WHERE id = " + std::to_string(janes_creation)) == 2);
    CHECK(fixture.due(kHook.name, kNow + 60) == std::vector<std::string>{"jane@client.example stage_changed prospect"});
  }
  SUBCASE("delivering a contact's item lets its next one come") {
    outbox.freeze_body(janes_creation, "{}", kNow);
    outbox.mark_delivered(janes_creation, kNow);
    CHECK(fixture.count("SELECT body IS NULL AND state = 'delivered' FROM outbox WHERE id = " +
                        std::to_string(janes_creation)) == 1);
    CHECK(fixture.due(kHook.name) == std::vector<std::string>{"bob@bob.example contact_created lead",
                                                              "jane@client.example stage_changed prospect"});
  }
  SUBCASE("a failed item lets the contact's later items come") {
    outbox.mark_failed(janes_creation, kNow, "gave up after 24 hours");
    CHECK(fixture.due(kHook.name) == std::vector<std::string>{"bob@bob.example contact_created lead",
                                                              "jane@client.example stage_changed prospect"});
    const auto next = outbox.due_webhook_items(kHook.name, kNow, 10);
    outbox.mark_failed(item_of(next, kJane)->row, kNow, "gave up");
    CHECK(fixture.due(kHook.name) == std::vector<std::string>{"bob@bob.example contact_created lead",
                                                              "jane@client.example stage_changed customer"});
  }
  SUBCASE("nothing pending: no next due time") {
    for (int round = 0; round < 3; ++round) {
      for (const auto& item : outbox.due_webhook_items(kHook.name, kNow, 10)) outbox.mark_delivered(item.row, kNow);
    }
    CHECK(fixture.due(kHook.name).empty());
    CHECK_FALSE(outbox.next_webhook_due(kHook.name, kNow).has_value());
  }
}

TEST_CASE("the publish event key is stable for the same content and differs when any field differs") {
  const std::optional<std::string> lead = "lead";
  const std::string key = publish_event_key(kJane, lead, "prospect", day(3), "rule", "two-way", "a1@acme-sales.com");
  CHECK(key.size() == 32);
  CHECK(key == publish_event_key(kJane, lead, "prospect", day(3), "rule", "two-way", "a1@acme-sales.com"));
  const std::set<std::string> variants{
      key,
      publish_event_key(kBob, lead, "prospect", day(3), "rule", "two-way", "a1@acme-sales.com"),
      publish_event_key(kJane, std::nullopt, "prospect", day(3), "rule", "two-way", "a1@acme-sales.com"),
      publish_event_key(kJane, std::string(), "prospect", day(3), "rule", "two-way", "a1@acme-sales.com"),
      publish_event_key(kJane, lead, "customer", day(3), "rule", "two-way", "a1@acme-sales.com"),
      publish_event_key(kJane, lead, "prospect", day(3) + 1, "rule", "two-way", "a1@acme-sales.com"),
      publish_event_key(kJane, lead, "prospect", day(3), "user", "two-way", "a1@acme-sales.com"),
      publish_event_key(kJane, lead, "prospect", day(3), "rule", "pricing", "a1@acme-sales.com"),
      publish_event_key(kJane, lead, "prospect", day(3), "rule", "two-way", "a2@acme-sales.com"),
      // A field's end moved into the next one is another event.
      publish_event_key(kJane, lead, "prospect", day(3), "rule", "two-wa", "ya1@acme-sales.com"),
  };
  CHECK(variants.size() == 10);
}

TEST_CASE("the delivery id of an event does not depend on row ids") {
  // The same mailbox stored in another order (and so with other row ids) derives the same keys.
  OutboxFixture first;
  first.set_targets({kHook});
  first.commit({janes_hello()});
  first.commit({bobs_question()});
  first.commit({reply_to_jane()});
  OutboxFixture second;
  second.commit({bobs_question()});
  second.commit({janes_hello(), reply_to_jane()});
  second.set_targets({kHook});
  // Each delivered event's key with the row it had.
  const auto delivered_keys = [](OutboxFixture& fixture) {
    std::map<std::string, std::int64_t> rows;
    for (int round = 0; round < 3; ++round) {
      for (const WebhookItem& item : fixture.outbox().due_webhook_items(kHook.name, kNow, 10)) {
        rows[item.contact_email + " " +
             publish_event_key(item.contact_email, item.from, item.to, item.at, item.actor, item.rule,
                               item.message_id)] = item.row;
        fixture.outbox().mark_delivered(item.row, kNow);
      }
    }
    return rows;
  };
  const auto first_rows = delivered_keys(first);
  const auto second_rows = delivered_keys(second);
  const auto keys_of = [](const std::map<std::string, std::int64_t>& rows) {
    std::set<std::string> keys;
    for (const auto& [key, row] : rows) keys.insert(key);
    return keys;
  };
  const std::set<std::string> first_keys = keys_of(first_rows);
  CHECK(first_keys.size() == 3);
  CHECK(first_keys == keys_of(second_rows));
  CHECK(first_rows != second_rows);  // the same keys on other rows

  // The team database gets the same keys for the same events.
  second.set_targets({kHook, kTeam});
  std::set<std::string> team_keys;
  for (const auto& change : second.outbox().marked_team_contacts(10, false).changes) {
    REQUIRE(change.contact.has_value());
    for (const auto& event : change.contact->history) team_keys.insert(change.email + " " + event.key);
  }
  CHECK(team_keys == first_keys);
}

TEST_CASE("registering a team target marks every contact and the batch carries their shared state") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});
  REQUIRE(fixture.marked().empty());

  fixture.set_targets({kTeam});

  CHECK(fixture.marked() == std::set<std::string>{kJane, kBob});
  const TeamBatch batch = fixture.outbox().marked_team_contacts(10, false);
  REQUIRE(batch.changes.size() == 2);
  REQUIRE(batch.marks.size() == 2);
  const team::ContactChange* jane = change_of(batch, kJane);
  REQUIRE(jane != nullptr);
  REQUIRE(jane->contact.has_value());
  CHECK(jane->contact->email == kJane);
  CHECK(jane->contact->stage == "prospect");
  CHECK(jane->contact->thread_count == 1);
  CHECK(jane->contact->inbound_count == 1);
  CHECK(jane->contact->outbound_count == 1);
  CHECK(jane->contact->first_seen == day(1));
  CHECK(jane->contact->last_inbound == day(1));
  CHECK(jane->contact->last_outbound == day(3));
  CHECK_FALSE(jane->contact->needs_reply);
  CHECK_FALSE(jane->contact->last_subject.has_value());
  REQUIRE(jane->contact->history.size() == 2);
  const team::SharedStageEvent& created = jane->contact->history[0];
  CHECK_FALSE(created.from.has_value());
  CHECK(created.to == "lead");
  CHECK(created.at == day(1));
  CHECK(created.actor == "rule");
  CHECK(created.rule == "first-contact");
  CHECK(created.message_id == "q1@client.example");
  CHECK(created.key ==
        publish_event_key(kJane, std::nullopt, "lead", day(1), "rule", "first-contact", "q1@client.example"));
  const team::SharedStageEvent& promoted = jane->contact->history[1];
  CHECK(promoted.from == "lead");
  CHECK(promoted.to == "prospect");
  CHECK(promoted.key ==
        publish_event_key(kJane, std::string("lead"), "prospect", day(3), "rule", "two-way", "a1@acme-sales.com"));
  const team::ContactChange* bob = change_of(batch, kBob);
  REQUIRE(bob != nullptr);
  REQUIRE(bob->contact.has_value());
  CHECK(bob->contact->needs_reply);

  // Subjects only when shared; a limit bounds the batch.
  const TeamBatch with_subjects = fixture.outbox().marked_team_contacts(10, true);
  CHECK(change_of(with_subjects, kJane)->contact->last_subject == "Re: Hello");
  CHECK(change_of(with_subjects, kBob)->contact->last_subject == "Question");
  CHECK(fixture.outbox().marked_team_contacts(1, false).changes.size() == 1);

  fixture.outbox().clear_team_marks(batch.marks);
  CHECK(fixture.marked().empty());
  CHECK(fixture.outbox().marked_team_contacts(10, false).changes.empty());
}

TEST_CASE("a contact's change marks it for the team database") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.set_targets({kTeam});
  fixture.outbox().clear_team_marks(fixture.outbox().marked_team_contacts(10, false).marks);
  REQUIRE(fixture.marked().empty());

  SUBCASE("a new message") {
    fixture.commit({reply_to_jane()});
    CHECK(fixture.marked() == std::set<std::string>{kJane});
  }
  SUBCASE("a manual move") {
    fixture.store().move_stage(kBob, core::Stage::disqualified, "", day(4));
    CHECK(fixture.marked() == std::set<std::string>{kBob});
  }
  SUBCASE("a new contact") {
    fixture.commit({mail("c1@carol.example", "carol@carol.example", kRep, "Hi", day(4))});
    CHECK(fixture.marked() == std::set<std::string>{"carol@carol.example"});
  }
  SUBCASE("the same batch again changes nothing") {
    fixture.commit({janes_hello(), bobs_question()});
    CHECK(fixture.marked().empty());
  }
}

TEST_CASE("a forgotten or blocked contact is withdrawn from the team database") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.set_targets({kTeam});
  fixture.outbox().clear_team_marks(fixture.outbox().marked_team_contacts(10, false).marks);

  REQUIRE(fixture.store().forget(kJane));
  fixture.store().block({rules::BlockEntry::Kind::address, kBob}, day(5));

  const TeamBatch batch = fixture.outbox().marked_team_contacts(10, true);
  REQUIRE(batch.changes.size() == 2);
  REQUIRE(change_of(batch, kJane) != nullptr);
  CHECK_FALSE(change_of(batch, kJane)->contact.has_value());
  REQUIRE(change_of(batch, kBob) != nullptr);
  CHECK_FALSE(change_of(batch, kBob)->contact.has_value());

  // Unblocking brings Bob back.
  fixture.outbox().clear_team_marks(batch.marks);
  fixture.store().unblock({rules::BlockEntry::Kind::address, kBob});
  const TeamBatch back = fixture.outbox().marked_team_contacts(10, false);
  REQUIRE(back.changes.size() == 1);
  CHECK(back.changes[0].email == kBob);
  CHECK(back.changes[0].contact.has_value());
}

TEST_CASE("clearing team marks keeps those that changed while they were published") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.set_targets({kTeam});
  const TeamBatch batch = fixture.outbox().marked_team_contacts(10, false);
  REQUIRE(batch.marks.size() == 2);

  // Jane changes while the batch is being published.
  fixture.commit({reply_to_jane()});
  fixture.outbox().clear_team_marks(batch.marks);

  CHECK(fixture.marked() == std::set<std::string>{kJane});
  const TeamBatch next = fixture.outbox().marked_team_contacts(10, false);
  REQUIRE(next.changes.size() == 1);
  CHECK(next.changes[0].contact->stage == "prospect");
  fixture.outbox().clear_team_marks(next.marks);
  CHECK(fixture.marked().empty());
}

TEST_CASE("a target no longer configured is dropped with what it had queued") {
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.set_targets({kHook, kOtherHook, kTeam});
  REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook a'") == 2);
  REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook b'") == 2);
  REQUIRE(fixture.marked().size() == 2);

  SUBCASE("a webhook") {
    fixture.set_targets({kOtherHook, kTeam});
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook a'") == 0);
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook b'") == 2);
    CHECK(fixture.marked().size() == 2);
    CHECK(fixture.count("SELECT COUNT(*) FROM publish_targets") == 2);
  }
  SUBCASE("the team") {
    fixture.set_targets({kHook, kOtherHook});
    CHECK(fixture.marked().empty());
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 4);
    fixture.commit({reply_to_jane()});
    CHECK(fixture.marked().empty());
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 6);
  }
  SUBCASE("all of them") {
    fixture.set_targets({});
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 0);
    CHECK(fixture.marked().empty());
    CHECK(fixture.count("SELECT COUNT(*) FROM publish_targets") == 0);
    fixture.commit({reply_to_jane()});
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 0);
    CHECK(fixture.marked().empty());
  }
  SUBCASE("the same targets again keep their queue, other event types apply from then on") {
    fixture.set_targets({{"webhook a", "webhook", "contact_created"}, kOtherHook, kTeam}, kNow + 10);
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook a'") == 2);
    CHECK(fixture.count("SELECT added_at FROM publish_targets WHERE name = 'webhook a'") == kNow);
    CHECK(fixture.marked().size() == 2);
    fixture.commit({reply_to_jane()});
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook a'") == 2);
    CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE target = 'webhook b'") == 3);
  }
}

TEST_CASE("the publish status reports the backlog per target and in total") {
  OutboxFixture fixture;
  CHECK(StoreReader(fixture.file()).publish_status().targets.empty());
  fixture.commit({janes_hello(), bobs_question()});
  fixture.set_targets({kHook, kTeam}, kNow);
  Outbox& outbox = fixture.outbox();
  const auto items = outbox.due_webhook_items(kHook.name, kNow, 10);
  REQUIRE(items.size() == 2);
  outbox.mark_failed(item_of(items, kBob)->row, kNow + 5, "HTTP 410");
  outbox.record_target_attempt(kHook.name, kNow + 5, false, "http", "HTTP 410 Gone");
  outbox.record_target_attempt(kTeam.name, kNow + 6, true);

  const PublishStatus status = StoreReader(fixture.file()).publish_status();
  REQUIRE(status.targets.size() == 2);
  const PublishTargetStatus& team = status.targets[0];  // by name
  CHECK(team.name == "team");
  CHECK(team.kind == "team");
  CHECK(team.pending == 2);
  CHECK(team.failed == 0);
  CHECK(team.last_attempt_at == kNow + 6);
  CHECK(team.last_success_at == kNow + 6);
  CHECK(team.last_error.empty());
  const PublishTargetStatus& hook = status.targets[1];
  CHECK(hook.name == "webhook a");
  CHECK(hook.kind == "webhook");
  CHECK(hook.pending == 1);
  CHECK(hook.failed == 1);
  CHECK(hook.oldest_pending_at == kNow);
  CHECK(hook.last_attempt_at == kNow + 5);
  CHECK_FALSE(hook.last_success_at.has_value());
  CHECK(hook.last_error == "HTTP 410 Gone");
  CHECK(hook.last_error_kind == "http");
  CHECK(status.pending == 3);
  CHECK(status.failed == 1);
  REQUIRE(status.oldest_pending_at.has_value());
  CHECK(*status.oldest_pending_at <= kNow);  // the team marks were made at the wall clock's now

  // A success clears the error; an empty outbox has no oldest item.
  outbox.record_target_attempt(kHook.name, kNow + 7, true);
  outbox.mark_delivered(item_of(items, kJane)->row, kNow + 7);
  outbox.clear_team_marks(outbox.marked_team_contacts(10, false).marks);
  const PublishStatus after = StoreReader(fixture.file()).publish_status();
  CHECK(after.pending == 0);
  CHECK(after.failed == 1);
  CHECK_FALSE(after.oldest_pending_at.has_value());
  CHECK(after.targets[1].last_error.empty());
  CHECK(after.targets[1].last_error_kind.empty());
  CHECK(after.targets[1].last_success_at == kNow + 7);
}

TEST_CASE("forgetting a contact deletes its queued webhook items") {
  OutboxFixture fixture;
  fixture.set_targets({kHook});
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});
  for (const auto& item : fixture.outbox().due_webhook_items(kHook.name, kNow, 10)) {
    fixture.outbox().mark_delivered(item.row, kNow);
  }
  REQUIRE(fixture.count("SELECT COUNT(*) FROM outbox WHERE contact_email = 'jane@client.example'") == 2);

  REQUIRE(fixture.store().forget(kJane));

  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE contact_email = 'jane@client.example'") == 0);
  CHECK(fixture.queued(kHook.name) == "bob@bob.example contact_created - -> lead rule first-contact b1@bob.example\n");
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox WHERE instr(coalesce(body, ''), 'jane') > 0") == 0);
}

// Every table, index and trigger of a store file with its SQL, blanks collapsed.
std::set<std::string> schema_of(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  SQLite::Statement query(db, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL");
  std::set<std::string> schema;
  while (query.executeStep()) {
    std::string entry;
    for (const char c : query.getColumn(0).getString() + " " + query.getColumn(1).getString() + ": " +
                            query.getColumn(2).getString()) {
      const bool blank = c == ' ' || c == '\n' || c == '\t';
      if (!blank || (!entry.empty() && entry.back() != ' ')) entry.push_back(blank ? ' ' : c);
    }
    schema.insert(std::move(entry));
  }
  return schema;
}

TEST_CASE("a store at schema v8 migrates to v9 (and on to the latest) keeping its data") {
  test::TempDir dir;
  { Store fresh(dir.path() / "fresh.sqlite"); }
  OutboxFixture fixture;
  fixture.commit({janes_hello(), bobs_question()});
  fixture.commit({reply_to_jane()});
  CHECK(fixture.count("PRAGMA user_version") == latest_schema_version());
  test::downgrade_to_v9(fixture.file());
  {
    // Back to v8: what v9 added removed.
    SQLite::Database db = test::raw_connection(fixture.store());
    db.exec(
        "DROP TRIGGER stage_events_to_outbox; DROP TRIGGER contacts_team_dirty_insert;"
        " DROP TRIGGER contacts_team_dirty_update; DROP TRIGGER contacts_team_dirty_delete;"
        " DROP TRIGGER stage_events_team_dirty_insert; DROP TRIGGER stage_events_team_dirty_delete;"
        " DROP TABLE outbox; DROP TABLE team_dirty; DROP TABLE publish_targets; PRAGMA user_version = 8;");
  }
  REQUIRE(fixture.count("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('outbox', 'team_dirty')") == 0);

  fixture.reopen();

  CHECK(fixture.count("PRAGMA user_version") == latest_schema_version());
  CHECK(schema_of(fixture.file()) == schema_of(dir.path() / "fresh.sqlite"));
  CHECK(fixture.count("SELECT COUNT(*) FROM messages") == 3);
  CHECK(fixture.count("SELECT COUNT(*) FROM contacts") == 2);
  CHECK(fixture.count("SELECT COUNT(*) FROM stage_events") == 3);
  fixture.set_targets({kHook, kTeam});
  CHECK(fixture.count("SELECT COUNT(*) FROM outbox") == 3);
  CHECK(fixture.marked() == std::set<std::string>{kJane, kBob});
}

}  // namespace
}  // namespace prospectd::store
