// Lifecycle benchmark: fills a store with a synthetic sales mailbox (default 1M messages,
// 100k contacts) through Store::commit_batch as a bulk sync does (deferred evaluation, then
// evaluate_pending), then times a full rebuild and one incremental 1,000-message batch.
//   lifecycle_bench [MESSAGES [CONTACTS [FILE [fill-only]]]]   (fill-only: stop after the fill)
// Prints figures; asserts nothing (speed is measured, not tested).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.h"
#include "sync/classify.h"
#include "sync/rules_context.h"

namespace {

using prospectd::core::Address;
using prospectd::core::MessageMeta;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Generator {
  std::mt19937_64 random{42};
  std::int64_t contacts;
  std::int64_t next_message = 0;
  std::int64_t thread_counter = 0;
  std::int64_t now = 1700000000;

  std::string contact_email(std::int64_t index) const {
    return "person" + std::to_string(index) + "@company" + std::to_string(index / 10) + ".example";
  }

  MessageMeta message(std::int64_t contact, bool outbound, const std::string& subject,
                      const std::vector<std::string>& references) {
    MessageMeta meta;
    meta.folder = outbound ? "Sent" : "INBOX";
    meta.source_id = "1:" + std::to_string(++next_message);
    meta.message_id = "m" + std::to_string(next_message) + "@bench.example";
    const Address rep{"Alex Morgan", "rep@acme-sales.com"};
    const Address person{"Person " + std::to_string(contact), contact_email(contact)};
    meta.from = {outbound ? rep : person};
    meta.to = {outbound ? person : rep};
    meta.subject = subject;
    meta.date = now += 37;
    if (!references.empty()) {
      meta.in_reply_to = references.back();
      meta.references = references;
    }
    return meta;
  }

  // One conversation: our outreach, and with some probability replies back and forth.
  std::vector<MessageMeta> conversation(std::int64_t contact) {
    std::vector<MessageMeta> messages;
    const std::string subject = "Acme for team " + std::to_string(++thread_counter);
    std::vector<std::string> references;
    std::uniform_real_distribution<double> unit(0, 1);
    bool outbound = unit(random) < 0.8;
    const int length = 1 + static_cast<int>(unit(random) * unit(random) * 6);
    for (int i = 0; i < length; ++i) {
      messages.push_back(message(contact, outbound, (i ? "Re: " : "") + subject, references));
      references.push_back(messages.back().message_id);
      outbound = !outbound;
    }
    return messages;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t total_messages = argc > 1 ? std::stoll(argv[1]) : 1000000;
  const std::int64_t total_contacts = argc > 2 ? std::stoll(argv[2]) : 100000;
  const std::filesystem::path file = argc > 3 ? argv[3] : "lifecycle-bench.sqlite";
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + "-wal");
  std::filesystem::remove(file.string() + "-shm");

  prospectd::config::Config config;
  config.own_addresses = {"rep@acme-sales.com"};
  config.internal_domains = {"acme-sales.com"};
  const auto rules = prospectd::sync::rules_context_from(config);
  const auto evaluate = rules.evaluator();
  prospectd::store::Store store(file);
  const auto account = store.ensure_account("bench", "imap");

  Generator generator{.contacts = total_contacts};
  const auto fill_started = Clock::now();
  std::int64_t contact = 0;
  prospectd::store::ClassifiedBatch batch;
  std::int64_t stored = 0;
  while (stored < total_messages) {
    for (auto& message : generator.conversation(contact++ % total_contacts)) {
      batch.messages.push_back(prospectd::sync::classify_message(std::move(message), rules));
    }
    if (batch.messages.size() >= 5000 || stored + static_cast<std::int64_t>(batch.messages.size()) >= total_messages) {
      stored += static_cast<std::int64_t>(batch.messages.size());
      batch.checkpoint = {"INBOX", "{}", std::nullopt};
      store.commit_batch(account, batch, evaluate, prospectd::store::Evaluation::deferred);
      batch.messages.clear();
    }
  }
  const double ingest_seconds = seconds_since(fill_started);
  const auto evaluation_started = Clock::now();
  const auto evaluated = store.evaluate_pending(evaluate);
  const double evaluation_seconds = seconds_since(evaluation_started);
  const double fill_seconds = seconds_since(fill_started);
  std::printf(
      "filled: %lld messages, %lld contacts in %.1f s (%.0f msg/s): ingest %.1f s, %zu deferred evaluations %.1f s\n",
      static_cast<long long>(stored), static_cast<long long>(total_contacts), fill_seconds,
      static_cast<double>(stored) / fill_seconds, ingest_seconds, evaluated.evaluated, evaluation_seconds);
  if (argc > 4 && std::string(argv[4]) == "fill-only") return 0;  // a store for other benchmarks

  const prospectd::store::Reclassifier reclassify = [&](const MessageMeta& message, bool automated) {
    auto classified = prospectd::sync::classify_message(message, rules);
    if (automated) classified.contacts.clear();
    return prospectd::store::Reclassification{classified.direction, std::move(classified.contacts)};
  };
  const auto rebuild_started = Clock::now();
  const auto outcome = store.rebuild(reclassify, evaluate);
  std::printf("rebuild: %zu contacts from %zu messages in %.2f s\n", outcome.contacts, outcome.messages,
              seconds_since(rebuild_started));

  // Incremental: 1,000 new messages, replies into existing conversations of random contacts.
  prospectd::store::ClassifiedBatch increment;
  std::uniform_int_distribution<std::int64_t> pick(0, total_contacts - 1);
  while (increment.messages.size() < 1000) {
    const std::int64_t who = pick(generator.random);
    auto reply = generator.message(who, false, "Re: something new", {});
    increment.messages.push_back(prospectd::sync::classify_message(std::move(reply), rules));
  }
  increment.checkpoint = {"INBOX", "{}", std::nullopt};
  const auto increment_started = Clock::now();
  const auto result = store.commit_batch(account, increment, evaluate);
  std::printf("incremental batch: 1000 messages, %zu contacts re-evaluated in %.1f ms\n", result.contacts_evaluated,
              seconds_since(increment_started) * 1000);
  return 0;
}
