// Deferred contact evaluation and batch groups (bulk sync): the store they leave, once the
// pending evaluations are done, is the one per-batch evaluation leaves, also across a "crash".
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/batch_group.h"
#include "store/store.h"
#include "sync/classify.h"
#include "sync/rules_context.h"
#include "tests/unit/store/store_test_support.h"

namespace prospectd::store {
namespace {

constexpr std::int64_t kStart = 1'700'000'000;
constexpr const char* kRep = "rep@acme-sales.com";

sync::RulesContext rules() {
  sync::RulesContext context{rules::Identity({kRep}, {"acme-sales.com"}), rules::Blocklist(), {}};
  context.stage_rules.push_back(rules::make_stage_rule("pricing", core::Stage::opportunity, "pricing|quote"));
  return context;
}

core::MessageMeta mail(const std::string& id, const std::string& from, const std::string& to,
                       const std::string& subject, std::int64_t date, const std::string& parent = "",
                       const std::string& folder = "INBOX") {
  core::MessageMeta meta;
  meta.folder = folder;
  meta.source_id = "1:" + id;
  meta.message_id = id;
  meta.from = {{"Name of " + from, from}};
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

// Three batches: conversations whose halves arrive in different batches (and folders), a
// late message that merges two threads, and a rule-made opportunity.
std::vector<ClassifiedBatch> batches(const sync::RulesContext& context) {
  const std::vector<std::vector<core::MessageMeta>> mails = {
      {mail("a2@client.example", "ann@client.example", kRep, "Re: Intro", kStart + 20, "a1@acme-sales.com"),
       mail("b1@bee.example", "bob@bee.example", kRep, "A quote please", kStart + 30),
       mail("c1@cee.example", "cat@cee.example", kRep, "Hello", kStart + 40)},
      {mail("a1@acme-sales.com", kRep, "ann@client.example", "Intro", kStart + 10, "", "Sent"),
       mail("c2@acme-sales.com", kRep, "cat@cee.example", "Re: Hello", kStart + 50, "c1@cee.example", "Sent")},
      {mail("x1@acme-sales.com", kRep, "ann@client.example", "Re: Intro", kStart + 60, "b1@bee.example", "Sent"),
       mail("a3@client.example", "ann@client.example", kRep, "Re: Intro", kStart + 70, "x1@acme-sales.com")},
  };
  std::vector<ClassifiedBatch> result;
  for (std::size_t i = 0; i < mails.size(); ++i) {
    ClassifiedBatch batch;
    for (const auto& meta : mails[i]) batch.messages.push_back(sync::classify_message(meta, context));
    batch.checkpoint = {"INBOX", "{\"batch\":" + std::to_string(i) + "}", std::nullopt};
    result.push_back(std::move(batch));
  }
  return result;
}

// Contacts and their rule history, independent of row ids.
std::string crm(Store& store) {
  std::string text;
  SQLite::Database db = test::raw_connection(store);
  SQLite::Statement contacts(db,
                             "SELECT email, name, coalesce(company, '-'), stage, coalesce(first_seen, 0),"
                             " coalesce(last_inbound, 0), coalesce(last_outbound, 0), thread_count, inbound_count,"
                             " outbound_count, needs_reply FROM contacts ORDER BY email");
  while (contacts.executeStep()) {
    for (int i = 0; i < contacts.getColumnCount(); ++i) text += contacts.getColumn(i).getString() + " ";
    text += "\n";
  }
  SQLite::Statement events(db,
                           "SELECT c.email, coalesce(e.from_stage, '-'), e.to_stage, e.at, e.rule, e.message_id"
                           " FROM stage_events e JOIN contacts c ON c.id = e.contact_id ORDER BY c.email, e.id");
  while (events.executeStep()) {
    for (int i = 0; i < events.getColumnCount(); ++i) text += events.getColumn(i).getString() + " ";
    text += "\n";
  }
  return text;
}

TEST_CASE("deferred evaluation ends where per-batch evaluation does") {
  const auto context = rules();
  test::TempDir dir;
  Store now(dir.path() / "now.sqlite");
  Store deferred(dir.path() / "deferred.sqlite");
  const auto now_account = now.ensure_account("work", "imap");
  const auto deferred_account = deferred.ensure_account("work", "imap");
  for (const auto& batch : batches(context)) {
    now.commit_batch(now_account, batch, context.evaluator(), Evaluation::now);
    const auto outcome = deferred.commit_batch(deferred_account, batch, context.evaluator(), Evaluation::deferred);
    CHECK(outcome.contacts_evaluated == 0);
  }
  CHECK(now.pending_evaluations() == 0);
  CHECK(deferred.pending_evaluations() == 3);
  const std::string expected = crm(now);
  CHECK(expected.find("ann@client.example Name of ann@client.example client.example prospect") != std::string::npos);
  CHECK(expected.find("opportunity") != std::string::npos);

  const auto evaluated = deferred.evaluate_pending(context.evaluator());
  CHECK(evaluated.evaluated == 3);
  CHECK(evaluated.promoted.size() == 3);  // ann and cat prospects, bob an opportunity
  CHECK(deferred.pending_evaluations() == 0);
  CHECK(crm(deferred) == expected);
}

TEST_CASE("pending evaluations survive a crash and the next pass completes them") {
  const auto context = rules();
  test::TempDir dir;
  Store reference(dir.path() / "reference.sqlite");
  const auto reference_account = reference.ensure_account("work", "imap");
  for (const auto& batch : batches(context)) reference.commit_batch(reference_account, batch, context.evaluator());

  const auto file = dir.path() / "crashed.sqlite";
  auto all = batches(context);
  {
    auto store = std::make_unique<Store>(file);
    const auto account = store->ensure_account("work", "imap");
    store->commit_batch(account, all[0], context.evaluator(), Evaluation::deferred);
    {
      // A group that never commits (the process died mid-group): nothing of it stays.
      BatchGroup group(*store);
      group.add(account, all[1], context.evaluator(), Evaluation::deferred);
      CHECK(group.batches() == 1);
    }
    CHECK(store->pending_evaluations() == 3);  // ann, bob and cat from the first batch
  }
  Store store(file);  // reopened after the "crash"
  const auto account = store.ensure_account("work", "imap");
  CHECK(store.checkpoint(account, "INBOX")->state == "{\"batch\":0}");
  {
    BatchGroup group(store);
    group.add(account, all[1], context.evaluator(), Evaluation::deferred);
    group.add(account, all[2], context.evaluator(), Evaluation::now);  // a small batch at the end
    CHECK(group.messages() == 4);
    group.commit();
  }
  CHECK(store.checkpoint(account, "INBOX")->state == "{\"batch\":2}");
  store.evaluate_pending(context.evaluator());
  CHECK(crm(store) == crm(reference));
}

TEST_CASE("a rebuild clears pending evaluations") {
  const auto context = rules();
  test::TempDir dir;
  Store store(dir.path() / "store.sqlite");
  const auto account = store.ensure_account("work", "imap");
  for (const auto& batch : batches(context)) {
    store.commit_batch(account, batch, context.evaluator(), Evaluation::deferred);
  }
  REQUIRE(store.pending_evaluations() > 0);
  const Reclassifier reclassify = [&](const core::MessageMeta& message, bool automated) {
    ClassifiedMessage classified = sync::classify_message(message, context);
    if (automated) classified.contacts.clear();
    return Reclassification{classified.direction, std::move(classified.contacts)};
  };
  store.rebuild(reclassify, context.evaluator());
  CHECK(store.pending_evaluations() == 0);
}

}  // namespace
}  // namespace prospectd::store
