// Support shared by the sync tests: a temporary directory removed when the test ends, waiting
// for a condition another thread brings about, mail as a connector delivers it, and reading the
// store back. Not thread-safe unless said.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "core/batch.h"
#include "core/message_meta.h"
#include "store/reader.h"
#include "sync/rules_context.h"
#include "tests/support/temp_dir.h"

namespace prospectd::sync::test {

// A fresh temporary directory, removed with its contents (tests/support/temp_dir.h).
using TempDir = prospectd::testing::TempDir;

// True as soon as `condition` holds (checked every 2 ms); false if it still does not after `limit`.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

constexpr const char* kRep = "rep@acme-sales.com";

// Message number `n` (Message-ID "m<n>@globex.com"), written by `from` to the rep, in INBOX.
core::MessageMeta inbound_message(int n, const std::string& from = "jane@globex.com");

// Messages numbered first .. first+count-1 with the INBOX checkpoint `state`.
core::Batch inbox_batch(int first, int count, const std::string& state);

// The rep's identity (kRep, colleagues at acme-sales.com), nothing blocked, no stage rules.
RulesContext rep_rules();

// The account's row as the status command shows it; fails the test if there is none.
store::AccountStatus account_status(const std::filesystem::path& store_file, const std::string& account);

// How many distinct messages the store holds.
std::int64_t stored_messages(const std::filesystem::path& store_file);

}  // namespace prospectd::sync::test
