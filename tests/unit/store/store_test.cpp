// Behaviour of the store (ARCHITECTURE.md "The store", "Lifecycle") on real SQLite files: deduplication, idempotent
// batches, thread merges and the subject fallback, checkpoints, manual stages, rebuild, schema.
#include "store/store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/stage.h"
#include "rules/blocklist.h"
#include "rules/lifecycle.h"
#include "store/internal/migrations.h"
#include "store/reader.h"
#include "sync/classify.h"
#include "sync/rules_context.h"
#include "tests/unit/store/store_test_support.h"

namespace prospectd::store {
namespace {

constexpr std::int64_t kDay = 24 * 3600;
constexpr std::int64_t kStart = 1'700'000'000;  // 2023-11-14

constexpr const char* kRep = "rep@acme-sales.com";

std::int64_t day(int n) { return kStart + n * kDay; }

// One message as a connector would deliver it, with only what these tests need.
struct Mail {
  std::string id{};  // Message-ID
  std::string from{};
  std::vector<std::string> to{};
  std::string subject{};
  std::int64_t date = kStart;
  std::string in_reply_to{};
  std::vector<std::string> references{};
  std::string folder = "INBOX";
  std::string source_id{};  // defaults to "1:<Message-ID>"
  std::vector<std::string> cc{};
  std::string auto_submitted{};
};

core::MessageMeta to_meta(const Mail& mail) {
  core::MessageMeta meta;
  meta.folder = mail.folder;
  meta.source_id = mail.source_id.empty() ? "1:" + mail.id : mail.source_id;
  meta.message_id = mail.id;
  meta.in_reply_to = mail.in_reply_to;
  meta.references = mail.references;
  meta.from = {{"", mail.from}};
  for (const auto& to : mail.to) meta.to.push_back({"", to});
  for (const auto& cc : mail.cc) meta.cc.push_back({"", cc});
  meta.date = mail.date;
  meta.received_at = mail.date;
  meta.subject = mail.subject;
  meta.markers.auto_submitted = mail.auto_submitted;
  return meta;
}

sync::RulesContext sales_rules() {
  sync::RulesContext rules{rules::Identity({kRep}, {"acme-sales.com"}), rules::Blocklist(), {}};
  rules.stage_rules.push_back(rules::make_stage_rule("pricing", core::Stage::opportunity, "pricing|quote"));
  return rules;
}

// A store in a temporary directory, the rep's identity and a "pricing" opportunity rule.
class StoreFixture {
 public:
  StoreFixture()
      : rules_(sales_rules()),
        store_(std::make_unique<Store>(file())),
        account_(store_->ensure_account("work", "imap")) {}

  std::filesystem::path file() const { return dir_.path() / "prospectd.sqlite"; }
  Store& store() { return *store_; }
  AccountId account() const { return account_; }
  const sync::RulesContext& rules() const { return rules_; }

  ClassifiedBatch batch(const std::vector<Mail>& mails, const std::string& scope = "INBOX",
                        const std::string& state = "{}") {
    ClassifiedBatch batch;
    for (const auto& mail : mails) {
      batch.messages.push_back(sync::classify_message(to_meta(mail), rules_));
    }
    batch.checkpoint = {scope, state, std::nullopt};
    return batch;
  }

  BatchOutcome commit(const std::vector<Mail>& mails, const std::string& scope = "INBOX",
                      const std::string& state = "{}") {
    return store_->commit_batch(account_, batch(mails, scope, state), rules_.evaluator());
  }

  long long count(const std::string& sql) { return test::query_int(*store_, sql); }

  // The test's own connection to the store's file (test::raw_connection), opened once.
  SQLite::Database& raw() {
    if (!raw_) raw_ = std::make_unique<SQLite::Database>(test::raw_connection(*store_));
    return *raw_;
  }

  ThreadId thread_of(const std::string& message_id) {
    SQLite::Statement query(raw(), "SELECT thread_id FROM messages WHERE message_id = ?");
    query.bind(1, message_id);
    REQUIRE_MESSAGE(query.executeStep(), message_id << " is not stored");
    return query.getColumn(0).getInt64();
  }

  // One column of a contact's row, e.g. its inbound_count.
  long long contact_value(const std::string& email, const std::string& column) {
    SQLite::Statement query(raw(), "SELECT " + column + " FROM contacts WHERE email = ?");
    query.bind(1, email);
    REQUIRE_MESSAGE(query.executeStep(), email << " is not a contact");
    return query.getColumn(0).getInt64();
  }

  std::string stage_of(const std::string& email) {
    SQLite::Statement query(raw(), "SELECT stage FROM contacts WHERE email = ?");
    query.bind(1, email);
    return query.executeStep() ? query.getColumn(0).getString() : "(no contact)";
  }

  // The contact's stage history, one event a line: "actor rule: from -> to @thread message note".
  std::string history_of(const std::string& email) {
    SQLite::Statement query(raw(),
                            "SELECT e.actor, e.rule, coalesce(e.from_stage, '-'), e.to_stage,"
                            " coalesce(e.thread_id, 0), e.message_id, e.note FROM stage_events e"
                            " JOIN contacts c ON c.id = e.contact_id WHERE c.email = ? ORDER BY e.id");
    query.bind(1, email);
    std::string text;
    while (query.executeStep()) {
      text += query.getColumn(0).getString() + " " + query.getColumn(1).getString() + ": " +
              query.getColumn(2).getString() + " -> " + query.getColumn(3).getString() + " @" +
              std::to_string(query.getColumn(4).getInt64()) + " " + query.getColumn(5).getString() + " " +
              query.getColumn(6).getString() + "\n";
    }
    return text;
  }

  // Row counts of every table, to show that a repeated commit wrote nothing.
  std::map<std::string, long long> table_counts() {
    std::map<std::string, long long> counts;
    for (const char* table :
         {"accounts", "checkpoints", "threads", "messages", "message_locations", "addresses", "participants",
          "thread_nodes", "contacts", "contact_variants", "contact_threads", "stage_events"}) {
      counts[table] = count(std::string("SELECT COUNT(*) FROM ") + table);
    }
    return counts;
  }

  // Rows that name a thread that no longer exists (after merges): must stay 0.
  long long dangling_thread_references() {
    return count(
        "SELECT (SELECT COUNT(*) FROM messages WHERE thread_id NOT IN (SELECT id FROM threads))"
        " + (SELECT COUNT(*) FROM thread_nodes WHERE thread_id NOT IN (SELECT id FROM threads))"
        " + (SELECT COUNT(*) FROM contact_threads WHERE thread_id NOT IN (SELECT id FROM threads))"
        " + (SELECT COUNT(*) FROM stage_events WHERE thread_id IS NOT NULL"
        "    AND thread_id NOT IN (SELECT id FROM threads))");
  }

  void reopen() {
    store_.reset();
    store_ = std::make_unique<Store>(file());
  }

 private:
  test::TempDir dir_;
  sync::RulesContext rules_;
  std::unique_ptr<Store> store_;
  AccountId account_;
  std::unique_ptr<SQLite::Database> raw_;
};

TEST_CASE("the same Message-ID in two folders is one message") {
  StoreFixture fixture;
  const Mail inbox{
      .id = "offer-1@client.example", .from = "jane@client.example", .to = {kRep}, .subject = "Offer", .date = day(1)};
  Mail archived = inbox;
  archived.folder = "Archive";
  archived.source_id = "7:12";

  const auto first = fixture.commit({inbox});
  const auto second = fixture.commit({archived}, "Archive");

  CHECK(first.inserted == 1);
  CHECK(second.inserted == 0);
  CHECK(second.new_locations == 1);
  CHECK(fixture.count("SELECT COUNT(*) FROM messages") == 1);
  CHECK(fixture.count("SELECT COUNT(*) FROM message_locations") == 2);
  CHECK(fixture.count("SELECT COUNT(*) FROM threads") == 1);
  CHECK(fixture.contact_value("jane@client.example", "inbound_count") == 1);
}

TEST_CASE("re-committing a batch after a crash stores nothing twice") {
  StoreFixture fixture;
  const auto batch = fixture.batch({{.id = "o1@acme-sales.com",
                                     .from = kRep,
                                     .to = {"jane@client.example"},
                                     .subject = "Intro",
                                     .date = day(1),
                                     .folder = "Sent"},
                                    {.id = "r1@client.example",
                                     .from = "jane@client.example",
                                     .to = {kRep},
                                     .subject = "Re: Intro",
                                     .date = day(2),
                                     .in_reply_to = "o1@acme-sales.com",
                                     .references = {"o1@acme-sales.com"},
                                     .folder = "Sent"},
                                    {.id = "r2@acme-sales.com",
                                     .from = kRep,
                                     .to = {"jane@client.example"},
                                     .subject = "Re: Intro",
                                     .date = day(3),
                                     .in_reply_to = "r1@client.example",
                                     .references = {"o1@acme-sales.com", "r1@client.example"},
                                     .folder = "Sent"}},
                                   "Sent", R"({"uidnext":4})");
  const auto evaluate = fixture.rules().evaluator();

  const auto first = fixture.store().commit_batch(fixture.account(), batch, evaluate);
  const auto counts = fixture.table_counts();
  const std::string history = fixture.history_of("jane@client.example");
  const auto again = fixture.store().commit_batch(fixture.account(), batch, evaluate);

  CHECK(first.inserted == 3);
  CHECK(again.inserted == 0);
  CHECK(again.new_locations == 0);
  CHECK(again.already_stored == 3);
  CHECK(fixture.table_counts() == counts);
  CHECK(fixture.history_of("jane@client.example") == history);
  CHECK(fixture.stage_of("jane@client.example") == "prospect");
}

TEST_CASE("a late message that links two threads merges them and the contacts follow") {
  StoreFixture fixture;
  // Bob's thread is stored first, so Jane's (newer) thread is the one merged away.
  fixture.commit(
      {{.id = "b1@bob.example", .from = "bob@bob.example", .to = {kRep}, .subject = "Question", .date = day(1)}});
  fixture.commit({{.id = "j1@acme-sales.com",
                   .from = kRep,
                   .to = {"jane@client.example"},
                   .subject = "Intro",
                   .date = day(2),
                   .folder = "Sent"},
                  {.id = "j2@client.example",
                   .from = "jane@client.example",
                   .to = {kRep},
                   .subject = "Re: Intro",
                   .date = day(3),
                   .in_reply_to = "j1@acme-sales.com",
                   .references = {"j1@acme-sales.com"}}});
  const ThreadId bobs = fixture.thread_of("b1@bob.example");
  const ThreadId janes = fixture.thread_of("j2@client.example");
  REQUIRE(bobs != janes);
  REQUIRE(fixture.stage_of("jane@client.example") == "prospect");
  REQUIRE(fixture.count("SELECT COUNT(*) FROM stage_events WHERE thread_id = " + std::to_string(janes)) ==
          2);  // Jane: first contact, two-way

  // The rep answers both at once: the reply names both threads.
  const auto outcome = fixture.commit({{.id = "late@acme-sales.com",
                                        .from = kRep,
                                        .to = {"jane@client.example", "bob@bob.example"},
                                        .subject = "Re: Intro",
                                        .date = day(4),
                                        .in_reply_to = "j2@client.example",
                                        .references = {"j1@acme-sales.com", "j2@client.example", "b1@bob.example"},
                                        .folder = "Sent"}},
                                      "Sent");

  const ThreadId merged = fixture.thread_of("late@acme-sales.com");
  CHECK(outcome.thread_merges == 1);
  CHECK(fixture.thread_of("b1@bob.example") == merged);
  CHECK(fixture.thread_of("j1@acme-sales.com") == merged);
  CHECK(fixture.thread_of("j2@client.example") == merged);
  CHECK(fixture.count("SELECT COUNT(*) FROM threads") == 1);
  CHECK(fixture.count("SELECT COUNT(*) FROM contact_threads") == 2);
  CHECK(fixture.count("SELECT COUNT(*) FROM contact_threads WHERE thread_id = " + std::to_string(merged)) == 2);
  // Both are prospects now, and every event names the merged thread.
  CHECK(fixture.count("SELECT COUNT(*) FROM stage_events") == 4);
  CHECK(fixture.count("SELECT COUNT(*) FROM stage_events WHERE thread_id = " + std::to_string(merged)) == 4);
  CHECK(fixture.dangling_thread_references() == 0);
  CHECK(fixture.stage_of("bob@bob.example") == "prospect");
  CHECK(fixture.contact_value("jane@client.example", "thread_count") == 1);
}

TEST_CASE("a reply without references joins its thread by subject and participant") {
  StoreFixture fixture;
  fixture.commit({{.id = "o1@acme-sales.com",
                   .from = kRep,
                   .to = {"jane@client.example"},
                   .subject = "Pricing for Q3",
                   .date = day(1),
                   .folder = "Sent"}},
                 "Sent");
  // Jane's client dropped In-Reply-To and References; the subject keeps the reply prefix.
  fixture.commit({{.id = "r1@client.example",
                   .from = "jane@client.example",
                   .to = {kRep},
                   .subject = "RE: pricing for Q3",
                   .date = day(5)}});

  CHECK(fixture.thread_of("r1@client.example") == fixture.thread_of("o1@acme-sales.com"));
  CHECK(fixture.count("SELECT COUNT(*) FROM threads") == 1);
  CHECK(fixture.stage_of("jane@client.example") == "opportunity");  // "pricing" rule
  CHECK(fixture.history_of("jane@client.example").find("two-way: lead -> prospect") != std::string::npos);
}

TEST_CASE("the same subject in unrelated threads does not merge") {
  StoreFixture fixture;
  fixture.commit({{.id = "o1@acme-sales.com",
                   .from = kRep,
                   .to = {"jane@client.example"},
                   .subject = "Meeting",
                   .date = day(1),
                   .folder = "Sent"}},
                 "Sent");
  fixture.commit({
      // A reply prefix, but Bob was never part of the rep's "Meeting" thread.
      {.id = "bob@bob.example", .from = "bob@bob.example", .to = {kRep}, .subject = "Re: Meeting", .date = day(2)},
      // Jane took part, but without a reply prefix the subject alone never merges.
      {.id = "jane-new@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Meeting",
       .date = day(0)},
      // Jane replies by subject, but more than 60 days after her last "Meeting" message.
      {.id = "jane-late@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Re: Meeting",
       .date = day(1 + 61)},
  });

  CHECK(fixture.count("SELECT COUNT(*) FROM threads") == 4);
  CHECK(fixture.count("SELECT COUNT(DISTINCT thread_id) FROM messages") == 4);
}

TEST_CASE("a reference-less reply stored before its original joins it when the original arrives") {
  StoreFixture fixture;
  // INBOX is synced before Sent: Jane's reply is stored first and is alone in its thread.
  fixture.commit({{.id = "r1@client.example",
                   .from = "jane@client.example",
                   .to = {kRep},
                   .subject = "Re: Pricing for Q3",
                   .date = day(5)}});
  REQUIRE(fixture.count("SELECT COUNT(*) FROM threads") == 1);

  const auto outcome = fixture.commit({{.id = "o1@acme-sales.com",
                                        .from = kRep,
                                        .to = {"jane@client.example"},
                                        .subject = "Pricing for Q3",
                                        .date = day(1),
                                        .folder = "Sent"}},
                                      "Sent");

  CHECK(outcome.thread_merges == 1);
  CHECK(fixture.thread_of("r1@client.example") == fixture.thread_of("o1@acme-sales.com"));
  CHECK(fixture.count("SELECT COUNT(*) FROM threads") == 1);
  CHECK(fixture.dangling_thread_references() == 0);
  CHECK(fixture.stage_of("jane@client.example") == "opportunity");
}

TEST_CASE("a UIDVALIDITY reset forgets the folder's old source ids but keeps the messages") {
  StoreFixture fixture;
  const Mail first{.id = "a@client.example",
                   .from = "jane@client.example",
                   .to = {kRep},
                   .subject = "Hello",
                   .date = day(1),
                   .source_id = "100:1"};
  const Mail second{.id = "b@client.example",
                    .from = "jane@client.example",
                    .to = {kRep},
                    .subject = "Again",
                    .date = day(2),
                    .source_id = "100:2"};
  fixture.commit({first, second}, "INBOX", R"({"uidvalidity":100})");
  fixture.commit({{.id = "s@acme-sales.com",
                   .from = kRep,
                   .to = {"jane@client.example"},
                   .subject = "Sent",
                   .date = day(2),
                   .folder = "Sent",
                   .source_id = "5:1"}},
                 "Sent");
  const std::string history = fixture.history_of("jane@client.example");

  // The server renumbered INBOX: the same messages come again under new UIDs.
  Mail renumbered_first = first;
  renumbered_first.source_id = "200:1";
  Mail renumbered_second = second;
  renumbered_second.source_id = "200:2";
  auto batch = fixture.batch({renumbered_first, renumbered_second}, "INBOX", R"({"uidvalidity":200})");
  batch.reset_scope = true;
  const auto outcome = fixture.store().commit_batch(fixture.account(), batch, fixture.rules().evaluator());

  CHECK(outcome.inserted == 0);
  CHECK(outcome.new_locations == 2);
  CHECK(fixture.count("SELECT COUNT(*) FROM messages") == 3);
  CHECK(fixture.count("SELECT COUNT(*) FROM message_locations WHERE folder = 'INBOX'"
                      " AND source_id LIKE '100:%'") == 0);
  CHECK(fixture.count("SELECT COUNT(*) FROM message_locations WHERE folder = 'INBOX'"
                      " AND source_id LIKE '200:%'") == 2);
  CHECK(fixture.count("SELECT COUNT(*) FROM message_locations WHERE folder = 'Sent'") == 1);
  CHECK(fixture.store().checkpoint(fixture.account(), "INBOX")->state == R"({"uidvalidity":200})");
  CHECK(fixture.history_of("jane@client.example") == history);
}

TEST_CASE("the checkpoint commits with its batch") {
  StoreFixture fixture;
  fixture.commit(
      {{.id = "a@client.example", .from = "jane@client.example", .to = {kRep}, .subject = "Hello", .date = day(1)}},
      "INBOX", R"({"uidnext":2})");
  const auto counts = fixture.table_counts();

  // The rules fail half-way through the next batch (after its messages were written).
  const ContactEvaluator failing = [](std::span<const rules::MessageFact>) -> rules::ContactEvaluation {
    throw std::runtime_error("evaluator failed");
  };
  const auto batch = fixture.batch(
      {{.id = "b@client.example", .from = "jane@client.example", .to = {kRep}, .subject = "Again", .date = day(2)},
       {.id = "c@other.example", .from = "bob@other.example", .to = {kRep}, .subject = "New", .date = day(2)}},
      "INBOX", R"({"uidnext":4})");
  CHECK_THROWS_WITH_AS(fixture.store().commit_batch(fixture.account(), batch, failing), "evaluator failed",
                       std::runtime_error);

  CHECK(fixture.table_counts() == counts);
  CHECK(fixture.count("SELECT COUNT(*) FROM messages WHERE message_id = 'b@client.example'") == 0);
  CHECK(fixture.store().checkpoint(fixture.account(), "INBOX")->state == R"({"uidnext":2})");
  // The same store goes on: the batch is fetched again and commits whole.
  const auto retried = fixture.store().commit_batch(fixture.account(), batch, fixture.rules().evaluator());
  CHECK(retried.inserted == 2);
  CHECK(fixture.store().checkpoint(fixture.account(), "INBOX")->state == R"({"uidnext":4})");
}

TEST_CASE("a manual stage is never overridden by rules") {
  StoreFixture fixture;
  fixture.commit(
      {{.id = "q1@client.example", .from = "jane@client.example", .to = {kRep}, .subject = "Hello", .date = day(1)}});
  REQUIRE(fixture.stage_of("jane@client.example") == "lead");
  const auto moved = fixture.store().move_stage("jane@client.example", core::Stage::disqualified, "competitor", day(2));
  REQUIRE(moved.found);
  CHECK(moved.from == "lead");

  // Two-way communication and a pricing request would make her an opportunity.
  fixture.commit({{.id = "a1@acme-sales.com",
                   .from = kRep,
                   .to = {"jane@client.example"},
                   .subject = "Re: Hello",
                   .date = day(3),
                   .in_reply_to = "q1@client.example",
                   .references = {"q1@client.example"},
                   .folder = "Sent"}},
                 "Sent");
  const auto outcome = fixture.commit({{.id = "q2@client.example",
                                        .from = "jane@client.example",
                                        .to = {kRep},
                                        .subject = "Re: Hello - pricing?",
                                        .date = day(4),
                                        .in_reply_to = "a1@acme-sales.com",
                                        .references = {"q1@client.example", "a1@acme-sales.com"}}});

  CHECK(outcome.promoted.empty());
  CHECK(fixture.stage_of("jane@client.example") == "disqualified");
  const ThreadId thread = fixture.thread_of("q1@client.example");
  CHECK(fixture.history_of("jane@client.example") == "rule first-contact: - -> lead @" + std::to_string(thread) +
                                                         " q1@client.example \n"
                                                         "user manual: lead -> disqualified @0  competitor\n");
  // The aggregates still follow the mail.
  CHECK(fixture.contact_value("jane@client.example", "inbound_count") == 2);
  CHECK(fixture.contact_value("jane@client.example", "outbound_count") == 1);
}

// Stores `mails` one batch each, in every order, each order in a new store; returns the
// orders whose threads differ from `expected`, with the groups found.
std::string orders_that_thread_differently(std::vector<Mail> mails, const test::ThreadGroups& expected) {
  std::sort(mails.begin(), mails.end(), [](const Mail& a, const Mail& b) { return a.source_id < b.source_id; });
  std::string failures;
  do {
    StoreFixture fixture;
    std::string order;
    for (const auto& mail : mails) {
      fixture.commit({mail}, mail.folder);
      order += mail.source_id + " ";
    }
    const auto groups = test::thread_groups(fixture.store());
    if (groups != expected) {
      failures += "order " + order + ":\n" + test::describe_difference(groups, expected);
    }
  } while (std::next_permutation(mails.begin(), mails.end(),
                                 [](const Mail& a, const Mail& b) { return a.source_id < b.source_id; }));
  return failures;
}

TEST_CASE("copies of one message that name different references thread the same in any order") {
  // The same message in two folders, each copy with its own References (a list server and a
  // bug tracker rewrote them; notmuch's duplicate corpus has such copies). Each named message
  // belongs to the thread, whichever copy was stored first.
  const std::vector<Mail> mails{
      {.id = "m@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Re: Specs",
       .date = day(3),
       .references = {"x@client.example"},
       .source_id = "1-copy-in-inbox"},
      {.id = "m@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Re: Specs",
       .date = day(3),
       .references = {"y@client.example"},
       .folder = "Lists",
       .source_id = "2-copy-in-lists"},
      {.id = "x@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Specs",
       .date = day(1),
       .source_id = "3-x"},
      {.id = "y@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Specs v2",
       .date = day(2),
       .source_id = "4-y"},
  };
  const std::string failures =
      orders_that_thread_differently(mails, {{"m@client.example", "x@client.example", "y@client.example"}});
  CHECK_MESSAGE(failures.empty(), failures);
}

TEST_CASE("a reference-less reply that was answered before its original arrived still joins it") {
  // Jane's client drops References. Her reply R and the rep's answer to it may be stored
  // before the rep's original O (another folder, or a later batch); so may her second
  // reference-less reply R2. Every order gives one thread, as O, R, R2, A in date order does.
  const std::vector<Mail> mails{
      {.id = "o@acme-sales.com",
       .from = kRep,
       .to = {"jane@client.example"},
       .subject = "Pricing for Q3",
       .date = day(1),
       .folder = "Sent",
       .source_id = "1-original"},
      {.id = "r@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Re: Pricing for Q3",
       .date = day(5),
       .source_id = "2-reply"},
      {.id = "r2@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Re: Pricing for Q3",
       .date = day(6),
       .source_id = "3-second-reply"},
      {.id = "a@acme-sales.com",
       .from = kRep,
       .to = {"jane@client.example"},
       .subject = "Re: Pricing for Q3",
       .date = day(7),
       .in_reply_to = "r@client.example",
       .references = {"r@client.example"},
       .folder = "Sent",
       .source_id = "4-answer"},
  };
  const std::string failures = orders_that_thread_differently(
      mails, {{"o@acme-sales.com", "r@client.example", "r2@client.example", "a@acme-sales.com"}});
  CHECK_MESSAGE(failures.empty(), failures);
}

// Contacts and their rule history, with thread ids, as text for comparison.
std::string crm_snapshot(StoreFixture& fixture) {
  std::string text;
  SQLite::Statement contacts(fixture.raw(),
                             "SELECT email, name, coalesce(company, '-'), stage, manual, coalesce(first_seen, -1),"
                             " coalesce(last_inbound, -1), coalesce(last_outbound, -1), coalesce(last_message_at, -1),"
                             " thread_count, inbound_count, outbound_count, needs_reply FROM contacts ORDER BY email");
  while (contacts.executeStep()) {
    for (int column = 0; column < contacts.getColumnCount(); ++column) {
      text += contacts.getColumn(column).getString() + " ";
    }
    text += "\n" + fixture.history_of(contacts.getColumn(0).getString());
  }
  SQLite::Statement links(fixture.raw(),
                          "SELECT c.email, t.thread_id FROM contact_threads t"
                          " JOIN contacts c ON c.id = t.contact_id ORDER BY 1, 2");
  while (links.executeStep()) {
    text += "link " + links.getColumn(0).getString() + " " + links.getColumn(1).getString() + "\n";
  }
  return text;
}

TEST_CASE("rebuild agrees with incremental evaluation") {
  StoreFixture fixture;
  // A mailbox synced folder by folder, replies before originals, with a merge, a subject
  // fallback, an auto-reply, a co-recipient, a rule-made opportunity and a manual move.
  fixture.commit({
      {.id = "j2@client.example",
       .from = "jane@client.example",
       .to = {kRep},
       .subject = "Re: Intro",
       .date = day(3),
       .in_reply_to = "j1@acme-sales.com",
       .references = {"j1@acme-sales.com"},
       .cc = {"carl@client.example"}},
      {.id = "ooo@bob.example",
       .from = "bob@bob.example",
       .to = {kRep},
       .subject = "Automatic reply: Demo",
       .date = day(4),
       .in_reply_to = "b1@acme-sales.com",
       .references = {"b1@acme-sales.com"},
       .auto_submitted = "auto-replied"},
      {.id = "d1@dora.example", .from = "dora@dora.example", .to = {kRep}, .subject = "Re: Quote", .date = day(6)},
      {.id = "e1@eve.example",
       .from = "eve@eve.example",
       .to = {kRep},
       .subject = "Can we get a quote?",
       .date = day(7)},
  });
  fixture.commit(
      {
          {.id = "j1@acme-sales.com",
           .from = kRep,
           .to = {"jane@client.example"},
           .subject = "Intro",
           .date = day(1),
           .folder = "Sent"},
          {.id = "b1@acme-sales.com",
           .from = kRep,
           .to = {"bob@bob.example"},
           .subject = "Demo",
           .date = day(2),
           .folder = "Sent"},
          {.id = "q1@acme-sales.com",
           .from = kRep,
           .to = {"dora@dora.example"},
           .subject = "Quote",
           .date = day(5),
           .folder = "Sent"},
          {.id = "m1@acme-sales.com",
           .from = kRep,
           .to = {"jane@client.example", "bob@bob.example"},
           .subject = "Re: Intro",
           .date = day(8),
           .references = {"j2@client.example", "ooo@bob.example"},
           .folder = "Sent"},
      },
      "Sent");
  fixture.store().move_stage("eve@eve.example", core::Stage::customer, "signed", day(9));
  const std::string incremental = crm_snapshot(fixture);
  REQUIRE(fixture.stage_of("jane@client.example") == "prospect");
  REQUIRE(fixture.stage_of("dora@dora.example") == "opportunity");  // "Re: Quote"
  REQUIRE(fixture.stage_of("bob@bob.example") == "lead");           // only his auto-reply answered
  REQUIRE(fixture.stage_of("carl@client.example") == "lead");
  REQUIRE(fixture.stage_of("eve@eve.example") == "customer");

  const sync::RulesContext& rules = fixture.rules();
  const Reclassifier reclassify = [&](const core::MessageMeta& message, bool automated) {
    ClassifiedMessage classified = sync::classify_message(message, rules);
    if (automated) classified.contacts.clear();
    return Reclassification{classified.direction, std::move(classified.contacts)};
  };
  const auto outcome = fixture.store().rebuild(reclassify, rules.evaluator());

  CHECK(outcome.messages == 8);
  CHECK(outcome.manual_kept == 1);
  CHECK(crm_snapshot(fixture) == incremental);
}

// Schema v1 exactly as prospectd 0.1 wrote it (migrations are never edited once released).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE accounts (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  type            TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'never',
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error      TEXT,
  last_error_kind TEXT
);
CREATE TABLE checkpoints (
  account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  scope        TEXT NOT NULL,
  state        TEXT NOT NULL,
  server_count INTEGER,
  last_sync_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, scope)
) WITHOUT ROWID;
CREATE TABLE threads (
  id INTEGER PRIMARY KEY
);
CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  message_id         TEXT NOT NULL UNIQUE,
  synthetic_id       INTEGER NOT NULL,
  thread_id          INTEGER NOT NULL REFERENCES threads(id),
  date               INTEGER,
  received_at        INTEGER,
  subject            TEXT NOT NULL,
  base_subject       TEXT NOT NULL,
  subject_fallback   INTEGER NOT NULL,
  snippet            TEXT NOT NULL,
  in_reply_to        TEXT NOT NULL,
  provider_thread_id TEXT NOT NULL,
  from_email         TEXT NOT NULL,
  direction          TEXT NOT NULL CHECK (direction IN ('outbound', 'internal', 'inbound')),
  automation         TEXT NOT NULL,
  stored_at          INTEGER NOT NULL
);
CREATE INDEX messages_by_thread ON messages(thread_id, date);
CREATE INDEX messages_by_base_subject ON messages(base_subject, date);
CREATE INDEX messages_by_date ON messages(date);
CREATE TABLE message_locations (
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  folder      TEXT NOT NULL,
  source_id   TEXT NOT NULL,
  message_row INTEGER NOT NULL REFERENCES messages(id),
  PRIMARY KEY (account_id, folder, source_id)
) WITHOUT ROWID;
CREATE TABLE message_addresses (
  message_row INTEGER NOT NULL REFERENCES messages(id),
  role        TEXT NOT NULL CHECK (role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')),
  position    INTEGER NOT NULL,
  email       TEXT NOT NULL,
  raw_email   TEXT NOT NULL,
  name        TEXT NOT NULL,
  PRIMARY KEY (message_row, role, position)
) WITHOUT ROWID;
CREATE INDEX message_addresses_by_email ON message_addresses(email, message_row);
CREATE TABLE message_references (
  message_row INTEGER NOT NULL REFERENCES messages(id),
  position    INTEGER NOT NULL,
  ref         TEXT NOT NULL,
  PRIMARY KEY (message_row, position)
) WITHOUT ROWID;
CREATE TABLE thread_nodes (
  node      TEXT PRIMARY KEY,
  thread_id INTEGER NOT NULL REFERENCES threads(id)
) WITHOUT ROWID;
CREATE INDEX thread_nodes_by_thread ON thread_nodes(thread_id);
)sql";

// A v1 store with one account, one stored message (Jane's question) and its thread.
constexpr const char* kV1Rows = R"sql(
INSERT INTO accounts(id, name, type, state) VALUES (1, 'work', 'imap', 'ok');
INSERT INTO checkpoints VALUES (1, 'INBOX', '{"uidnext":2}', 1, 1700000000);
INSERT INTO threads(id) VALUES (1);
INSERT INTO messages VALUES (1, 'q1@client.example', 0, 1, 1700086400, 1700086400, 'Hello',
  'hello', 0, '', '', '', 'jane@client.example', 'inbound', '', 1700086400);
INSERT INTO message_locations VALUES (1, 'INBOX', '1:1', 1);
INSERT INTO message_addresses VALUES (1, 'from', 0, 'jane@client.example',
  'jane@client.example', 'Jane');
INSERT INTO message_addresses VALUES (1, 'to', 0, 'rep@acme-sales.com', 'rep@acme-sales.com', '');
INSERT INTO thread_nodes VALUES ('m:q1@client.example', 1);
PRAGMA user_version = 1;
)sql";

// Every table and index with its SQL (blanks collapsed), and the schema version.
std::set<std::string> schema_of(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  SQLite::Statement query(db, "SELECT type, name, sql FROM sqlite_master");
  std::set<std::string> schema;
  while (query.executeStep()) {
    std::string entry =
        query.getColumn(0).getString() + " " + query.getColumn(1).getString() + ": " + query.getColumn(2).getString();
    std::replace_if(
        entry.begin(), entry.end(), [](char c) { return std::isspace(c) != 0; }, ' ');
    entry.erase(std::unique(entry.begin(), entry.end(), [](char a, char b) { return a == ' ' && b == ' '; }),
                entry.end());
    schema.insert(std::move(entry));
  }
  schema.insert("user_version " + db.execAndGet("PRAGMA user_version").getString());
  return schema;
}

// The entries only one of two schemas has, one a line.
std::string schema_difference(const std::set<std::string>& actual, const std::set<std::string>& expected) {
  std::string text;
  for (const auto& entry : actual) {
    if (!expected.contains(entry)) text += "only in the migrated store: " + entry + "\n";
  }
  for (const auto& entry : expected) {
    if (!actual.contains(entry)) text += "only in a new store: " + entry + "\n";
  }
  return text;
}

TEST_CASE("a thread awaits the rep's reply as the rules decide, and a colleague's reply to the contact ends it") {
  StoreFixture fixture;
  const std::string jane = "jane@client.example";
  fixture.commit({{.id = "q1@client.example", .from = jane, .to = {kRep}, .subject = "Hello", .date = day(1)}});
  const auto owed = [&fixture] { return StoreReader(fixture.file()).replies_owed(10); };
  const auto thread_needs_reply = [&fixture, &jane] {
    const auto threads = StoreReader(fixture.file()).threads(jane);
    REQUIRE(threads.size() == 1);
    return threads.front().needs_reply;
  };
  CHECK(fixture.contact_value(jane, "needs_reply") == 1);
  CHECK(thread_needs_reply());
  REQUIRE(owed().threads.size() == 1);
  CHECK(owed().threads.front().email == jane);
  CHECK(owed().threads.front().waiting_since == day(1));

  // A colleague's note to the rep alone does not answer Jane.
  fixture.commit({{.id = "n1@acme-sales.com",
                   .from = "boss@acme-sales.com",
                   .to = {kRep},
                   .subject = "Re: Hello",
                   .date = day(2),
                   .in_reply_to = "q1@client.example",
                   .references = {"q1@client.example"}}});
  CHECK(fixture.contact_value(jane, "needs_reply") == 1);
  CHECK(thread_needs_reply());
  CHECK(owed().total == 1);

  // A colleague who writes to Jane answers her: the thread no longer waits for the rep.
  fixture.commit({{.id = "n2@acme-sales.com",
                   .from = "boss@acme-sales.com",
                   .to = {jane},
                   .subject = "Re: Hello",
                   .date = day(3),
                   .in_reply_to = "q1@client.example",
                   .references = {"q1@client.example"}}});
  CHECK(fixture.contact_value(jane, "needs_reply") == 0);
  CHECK_FALSE(thread_needs_reply());
  CHECK(owed().total == 0);
  CHECK(owed().threads.empty());

  // Rebuild stores the same answer.
  fixture.commit({{.id = "q2@client.example",
                   .from = jane,
                   .to = {kRep},
                   .subject = "Re: Hello",
                   .date = day(4),
                   .in_reply_to = "n2@acme-sales.com",
                   .references = {"q1@client.example", "n2@acme-sales.com"}}});
  REQUIRE(owed().total == 1);
  const sync::RulesContext rules = sales_rules();
  fixture.store().rebuild(
      [&rules](const core::MessageMeta& message, bool) {
        const ClassifiedMessage classified = sync::classify_message(message, rules);
        return Reclassification{classified.direction, classified.contacts};
      },
      rules.evaluator());
  CHECK(thread_needs_reply());
  REQUIRE(owed().total == 1);
  CHECK(owed().threads.front().waiting_since == day(4));
}

TEST_CASE("migrations bring an old store to the latest schema") {
  test::TempDir dir;
  const auto old_file = dir.path() / "old.sqlite";
  {
    SQLite::Database db(old_file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(kSchemaV1);
    db.exec(kV1Rows);
  }
  { Store fresh(dir.path() / "fresh.sqlite"); }

  Store store(old_file);

  CHECK(test::query_int(store, "PRAGMA user_version") == latest_schema_version());
  const std::string difference = schema_difference(schema_of(old_file), schema_of(dir.path() / "fresh.sqlite"));
  CHECK_MESSAGE(difference.empty(), difference);
  CHECK(test::query_int(store, "SELECT COUNT(*) FROM messages") == 1);
  CHECK(store.checkpoint(1, "INBOX")->state == R"({"uidnext":2})");
  // The migrated store works. In one batch: Bob writes (a new thread), the rep answers Jane's
  // old question and Bob at once (Bob's thread merges into Jane's and its id is freed), then
  // Carol writes (a new thread, which must not get the freed id: the batch would take it for
  // the merged one and link Carol to Jane's thread).
  const sync::RulesContext rules = sales_rules();
  ClassifiedBatch batch;
  for (const Mail& mail : std::vector<Mail>{
           {.id = "b1@bob.example", .from = "bob@bob.example", .to = {kRep}, .subject = "Question", .date = day(2)},
           {.id = "a1@acme-sales.com",
           .from = kRep,
           .to = {"jane@client.example", "bob@bob.example"},
           .subject = "Re: Hello",
           .date = day(3),
           .in_reply_to = "q1@client.example",
           .references = {"q1@client.example", "b1@bob.example"}},
           {.id = "c1@carol.example", .from = "carol@carol.example", .to = {kRep}, .subject = "Hi", .date = day(4)}}) {
    batch.messages.push_back(sync::classify_message(to_meta(mail), rules));
  }
  batch.checkpoint = {"INBOX", R"({"uidnext":4})", std::nullopt};
  const auto outcome = store.commit_batch(store.ensure_account("work", "imap"), batch, rules.evaluator());
  CHECK(outcome.inserted == 3);
  CHECK(outcome.thread_merges == 1);
  CHECK(test::query_int(store, "SELECT COUNT(*) FROM threads") == 2);
  CHECK(test::query_int(store, "SELECT COUNT(*) FROM contacts") == 3);
  const std::string carols_links =
      "SELECT ct.thread_id FROM contact_threads ct JOIN contacts c ON c.id = ct.contact_id"
      " WHERE c.email = 'carol@carol.example'";
  CHECK(test::query_int(store, "SELECT COUNT(*) FROM (" + carols_links + ")") == 1);
  CHECK(test::query_int(store, carols_links) ==
        test::query_int(store, "SELECT thread_id FROM messages WHERE message_id = 'c1@carol.example'"));
  CHECK(test::query_int(store, "SELECT COUNT(*) FROM contact_threads WHERE thread_id = 1") == 2);  // Jane and Bob
}

// contact_counts (schema v10) against a count of the contacts themselves: equal, or what differs.
std::string contact_count_difference(StoreFixture& fixture) {
  std::string difference;
  for (const core::Stage stage : core::kAllStages) {
    const std::string name = core::to_string(stage);
    const long long kept = fixture.count("SELECT shown FROM contact_counts WHERE stage = '" + name + "'");
    const long long counted =
        fixture.count("SELECT count(*) FROM contacts WHERE blocked = 0 AND stage = '" + name + "'");
    if (kept != counted)
      difference += name + ": kept " + std::to_string(kept) + ", counted " + std::to_string(counted) + "\n";
  }
  return difference;
}

TEST_CASE("the per-stage contact counts follow every change: sync, promotion, manual move, block, forget, rebuild") {
  StoreFixture fixture;
  const auto check = [&fixture](const char* after) {
    INFO("after " << after);
    const std::string difference = contact_count_difference(fixture);
    CHECK_MESSAGE(difference.empty(), difference);
  };
  fixture.commit(
      {{.id = "q1@client.example", .from = "jane@client.example", .to = {kRep}, .subject = "Hi", .date = day(1)},
       {.id = "q2@other.example", .from = "bob@other.example", .to = {kRep}, .subject = "Yo", .date = day(1)},
       {.id = "q3@third.example", .from = "carl@third.example", .to = {kRep}, .subject = "Hey", .date = day(1)}});
  check("the first sync");
  CHECK(fixture.count("SELECT shown FROM contact_counts WHERE stage = 'lead'") == 3);
  fixture.commit({{.id = "a1@acme-sales.com",
                   .from = kRep,
                   .to = {"jane@client.example"},
                   .subject = "Re: Hi",
                   .date = day(2),
                   .in_reply_to = "q1@client.example",
                   .references = {"q1@client.example"}}});
  check("a promotion");
  CHECK(fixture.count("SELECT shown FROM contact_counts WHERE stage = 'prospect'") == 1);
  fixture.store().move_stage("bob@other.example", core::Stage::customer, "signed", day(3));
  check("a manual move");
  fixture.store().block(*rules::parse_block_entry("third.example"), day(4));
  check("a block");
  CHECK(fixture.count("SELECT sum(shown) FROM contact_counts") == 2);
  fixture.commit(
      {{.id = "q4@third.example", .from = "dana@third.example", .to = {kRep}, .subject = "New", .date = day(5)}});
  check("a blocked contact created");
  fixture.store().unblock(*rules::parse_block_entry("third.example"));
  check("an unblock");
  CHECK(fixture.count("SELECT sum(shown) FROM contact_counts") == 4);
  fixture.store().forget("carl@third.example");
  check("a forget");
  const sync::RulesContext& rules = fixture.rules();
  fixture.store().rebuild(
      [&rules](const core::MessageMeta& message, bool) {
        const ClassifiedMessage classified = sync::classify_message(message, rules);
        return Reclassification{classified.direction, classified.contacts};
      },
      rules.evaluator());
  check("a rebuild");
  CHECK(fixture.count("SELECT sum(shown) FROM contact_counts") == 3);
}

// Everything a reader derives from the stored addresses, references and thread graph, in a
// form independent of row ids.
std::string derived_state(const std::filesystem::path& file, const std::vector<std::string>& emails) {
  StoreReader reader(file);
  std::string text;
  for (const auto& summary : reader.threads(std::nullopt)) {
    text += "thread:";
    for (const auto& id : summary.message_ids) text += " " + id;
    text += " |";
    for (const auto& person : summary.participants) text += " " + person;
    text += "\n";
  }
  for (const auto& email : emails) {
    for (const auto& seen : reader.appearances(email))
      text += email + " in " + seen.message_id + " as " + seen.role + "\n";
  }
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  SQLite::Statement contacts(db,
                             "SELECT email, name, stage, thread_count, inbound_count, outbound_count, needs_reply"
                             " FROM contacts ORDER BY email");
  while (contacts.executeStep()) {
    for (int i = 0; i < contacts.getColumnCount(); ++i) text += contacts.getColumn(i).getString() + " ";
    text += "\n";
  }
  return text;
}

TEST_CASE("a store in the v9 layout migrates in place to packed addresses and references") {
  StoreFixture fixture;
  const std::string jane = "jane@client.example";
  // Display names, a spelling that differs from the canonical address, the contact in two roles
  // of one message, a reference to a message never stored and a chain of replies.
  const auto classified = [&fixture](const Mail& mail, const std::vector<core::Address>& from,
                                     const std::vector<core::Address>& cc) {
    core::MessageMeta meta = to_meta(mail);
    meta.from = from;
    meta.cc = cc;
    return sync::classify_message(meta, fixture.rules());
  };
  ClassifiedBatch batch;
  batch.checkpoint = {"INBOX", "{}", std::nullopt};
  batch.messages.push_back(classified({.id = "q1@client.example",
                                       .to = {kRep},
                                       .subject = "Pricing?",
                                       .date = day(1),
                                       .in_reply_to = "lost@client.example",
                                       .references = {"lost@client.example"}},
                                      {{"Jane Doe", "Jane@Client.Example"}}, {{"Jane (cc)", jane}}));
  batch.messages.push_back(classified({.id = "a1@acme-sales.com",
                                       .to = {jane, "bob@bob.example"},
                                       .subject = "Re: Pricing?",
                                       .date = day(2),
                                       .in_reply_to = "q1@client.example",
                                       .references = {"lost@client.example", "q1@client.example"}},
                                      {{"The Rep", kRep}}, {}));
  fixture.store().commit_batch(fixture.account(), batch, fixture.rules().evaluator());
  const std::vector<std::string> emails{jane, kRep, "bob@bob.example"};
  const std::set<std::string> addresses = test::address_rows(fixture.file());
  const std::string state = derived_state(fixture.file(), emails);
  const test::ThreadGroups groups = test::thread_groups(fixture.store());
  REQUIRE(addresses.contains("q1@client.example from 0 jane@client.example Jane@Client.Example Jane Doe"));
  REQUIRE(addresses.contains("q1@client.example cc 0 jane@client.example jane@client.example Jane (cc)"));
  REQUIRE(state.find(jane + " in q1@client.example as cc\n" + jane + " in q1@client.example as from\n") !=
          std::string::npos);

  test::downgrade_to_v9(fixture.file());
  CHECK(test::address_rows(fixture.file()) == addresses);  // the v9 rows say the same
  CHECK(fixture.count("SELECT COUNT(*) FROM message_references") == 3);
  CHECK(fixture.count("SELECT COUNT(*) FROM thread_nodes") == 3);

  fixture.reopen();

  CHECK(fixture.count("PRAGMA user_version") == latest_schema_version());
  CHECK(test::address_rows(fixture.file()) == addresses);
  CHECK(derived_state(fixture.file(), emails) == state);
  CHECK(test::thread_groups(fixture.store()) == groups);
  CHECK(contact_count_difference(fixture).empty());  // seeded from the migrated contacts
  CHECK(fixture.count("SELECT sum(shown) FROM contact_counts") == 2);
  // Only the referenced-but-missing message remains a node of its own; the ancestors are packed.
  CHECK(fixture.count("SELECT COUNT(*) FROM thread_nodes") == 1);
  CHECK(fixture.count("SELECT COUNT(*) FROM thread_nodes WHERE node = 'm:lost@client.example'") == 1);
  CHECK(fixture.count("SELECT COUNT(*) FROM participants") == 5);  // distinct (address, message) pairs
  CHECK(fixture.count("SELECT COUNT(*) FROM messages WHERE length(refs) > 0") ==
        1);  // a1 lists lost@ beyond In-Reply-To
  // The migrated graph keeps working: the missing message arrives and joins the thread.
  fixture.commit({{.id = "lost@client.example", .from = jane, .to = {kRep}, .subject = "Hello", .date = day(0)}});
  CHECK(fixture.thread_of("lost@client.example") == fixture.thread_of("q1@client.example"));
  CHECK(fixture.count("SELECT COUNT(*) FROM thread_nodes") == 0);
}

TEST_CASE("a store from a newer prospectd is refused with a clear message") {
  test::TempDir dir;
  const auto file = dir.path() / "prospectd.sqlite";
  {
    Store store(file);
    test::raw_connection(store).exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
  }
  const std::set<std::string> before = schema_of(file);

  std::string message;
  try {
    Store store(file);
  } catch (const std::runtime_error& error) {
    message = error.what();
  }

  INFO(message);
  CHECK(message.find(file.string()) != std::string::npos);
  CHECK(message.find("schema version " + std::to_string(latest_schema_version() + 1)) != std::string::npos);
  CHECK(message.find("newer than this prospectd") != std::string::npos);
  CHECK(message.find("upgrade prospectd") != std::string::npos);
  CHECK(schema_of(file) == before);  // refused, not touched
}

}  // namespace
}  // namespace prospectd::store

TEST_CASE("two workers opening a new store at once both get the full schema") {
  for (int round = 0; round < 20; ++round) {
    prospectd::store::test::TempDir dir;
    const auto file = dir.path() / "new.sqlite";
    std::vector<std::string> errors(4);
    std::vector<std::thread> openers;
    for (std::size_t i = 0; i < errors.size(); ++i) {
      openers.emplace_back([&, i] {
        try {
          prospectd::store::Store store(file);
          store.ensure_account("account" + std::to_string(i), "imap");
        } catch (const std::exception& error) {
          errors[i] = error.what();
        }
      });
    }
    for (auto& opener : openers) opener.join();
    for (const auto& error : errors) CHECK_MESSAGE(error.empty(), error);
    SQLite::Database db(file.string());
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == prospectd::store::latest_schema_version());
    CHECK(db.execAndGet("SELECT COUNT(*) FROM accounts").getInt() == 4);
  }
}
