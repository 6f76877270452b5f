// Temporary directories, polling waits, synthetic mail and store read-back for the sync tests.
#include "tests/unit/sync/sync_test_support.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace prospectd::sync::test {

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

core::MessageMeta inbound_message(int n, const std::string& from) {
  core::MessageMeta meta;
  meta.folder = "INBOX";
  meta.source_id = "7:" + std::to_string(n);
  meta.message_id = "m" + std::to_string(n) + "@globex.com";
  meta.from = {{"", from}};
  meta.to = {{"", kRep}};
  meta.date = 1'700'000'000 + n * 60;
  meta.received_at = meta.date;
  meta.subject = "Question " + std::to_string(n);
  return meta;
}

core::Batch inbox_batch(int first, int count, const std::string& state) {
  core::Batch batch;
  for (int n = first; n < first + count; ++n) batch.messages.push_back(inbound_message(n));
  batch.checkpoint = {"INBOX", state, std::nullopt};
  return batch;
}

RulesContext rep_rules() { return RulesContext{rules::Identity({kRep}, {"acme-sales.com"}), rules::Blocklist(), {}}; }

store::AccountStatus account_status(const std::filesystem::path& store_file, const std::string& account) {
  store::StoreReader reader(store_file);
  for (auto& status : reader.accounts()) {
    if (status.name == account) return status;
  }
  FAIL("no account \"" << account << "\" in " << store_file.string());
  return {};
}

std::int64_t stored_messages(const std::filesystem::path& store_file) {
  return store::StoreReader(store_file).totals().messages;
}

}  // namespace prospectd::sync::test
