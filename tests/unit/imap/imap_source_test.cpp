// The IMAP engine against a scripted server: what it asks and what it keeps on servers that are
// not Dovecot (Gmail's X-GM-EXT-1, Exchange's folder names, Courier's EXAMINE without UIDNEXT),
// the `since` window and its widening, IDLE on Sent, and OAuth sign-in with one retry.
#include "connectors/imap/imap_source.h"

#include <doctest/doctest.h>

#include <map>
#include <set>

#include "connectors/imap/folder_state.h"
#include "tests/unit/imap/scripted_server.h"

namespace prospectd::connectors::imap {
namespace {

using namespace std::chrono;
using test::ScriptedServer;

constexpr sys_days day(int y, unsigned m, unsigned d) { return sys_days(year(y) / month(m) / std::chrono::day(d)); }

// What the store would keep: checkpoints by scope, and every message handed over.
struct MemoryStore {
  std::map<std::string, core::Checkpoint> checkpoints;
  std::vector<core::MessageMeta> messages;

  CheckpointReader reader() {
    return [this](const std::string& scope) -> std::optional<core::Checkpoint> {
      auto found = checkpoints.find(scope);
      if (found == checkpoints.end()) return std::nullopt;
      return found->second;
    };
  }
  BatchSink sink() {
    return [this](core::Batch&& batch) {
      for (auto& message : batch.messages) messages.push_back(std::move(message));
      checkpoints[batch.checkpoint.scope] = batch.checkpoint;
    };
  }
  std::set<std::string> source_ids() const {
    std::set<std::string> ids;
    for (const auto& message : messages) ids.insert(message.folder + "/" + message.source_id);
    return ids;
  }
};

ImapSourceOptions options_for(ScriptedServer& server) {
  ImapSourceOptions options;
  options.batch_size = 2;  // several batches, each with its checkpoint
  options.transport_factory =
      [&server](const ConnectOptions&) -> std::expected<std::unique_ptr<Transport>, core::SourceError> {
    return server.connect();
  };
  return options;
}

ScriptedServer dovecot_like() {
  ScriptedServer server;
  server.folders["INBOX"] = {"INBOX", {}, 7, 1, {}};
  server.folders["Sent"] = {"Sent", {"\\Sent"}, 8, 1, {}};
  return server;
}

SyncSummary sync(ImapSource& source, MemoryStore& store) {
  auto summary = source.sync(store.reader(), store.sink(), {});
  REQUIRE(summary.has_value());
  return *summary;
}

TEST_CASE("Gmail over IMAP: [Gmail]/All Mail alone, with Gmail's thread ids") {
  ScriptedServer server;
  server.capabilities.push_back("X-GM-EXT-1");
  server.folders["INBOX"] = {"INBOX", {}, 1, 1, {}};
  server.folders["[Gmail]/All Mail"] = {"[Gmail]/All Mail", {"\\All"}, 2, 1, {}};
  server.folders["[Gmail]/Sent Mail"] = {"[Gmail]/Sent Mail", {"\\Sent"}, 3, 1, {}};
  server.add("[Gmail]/All Mail", day(2025, 1, 2), "a@x", "jane@globex.com", "rep@acme.io", 1001);
  server.add("[Gmail]/All Mail", day(2025, 1, 3), "b@x", "rep@acme.io", "jane@globex.com", 1001);
  server.add("[Gmail]/All Mail", day(2025, 1, 4), "c@x", "bob@initech.com", "rep@acme.io", 1002);
  ImapSource source(options_for(server));
  MemoryStore store;
  sync(source, store);
  CHECK(source.last_stats().folders == std::vector<std::string>{"[Gmail]/All Mail"});
  REQUIRE(store.messages.size() == 3);
  CHECK(store.messages[0].provider_thread_id == "1001");
  CHECK(store.messages[1].provider_thread_id == "1001");
  CHECK(store.messages[2].provider_thread_id == "1002");
  for (const auto& fetch : server.commands_starting("UID FETCH")) CHECK(fetch.find("X-GM-THRID") != std::string::npos);
}

TEST_CASE("Exchange Online: no special-use, so \"Sent Items\" is found by its name") {
  ScriptedServer server;
  server.folders["INBOX"] = {"INBOX", {}, 1, 1, {}};
  server.folders["Sent Items"] = {"Sent Items", {}, 2, 1, {}};
  server.folders["Deleted Items"] = {"Deleted Items", {}, 3, 1, {}};
  server.add("Sent Items", day(2025, 2, 1), "s@x", "rep@acme.io", "jane@globex.com");
  ImapSource source(options_for(server));
  MemoryStore store;
  sync(source, store);
  CHECK(source.last_stats().folders == std::vector<std::string>{"INBOX", "Sent Items"});
  CHECK(store.messages.size() == 1);
  CHECK(server.commands_starting("STATUS \"Sent Items\" (MESSAGES UIDNEXT UIDVALIDITY)").size() == 1);
}

TEST_CASE("Courier: EXAMINE without UIDNEXT -- mail that arrived after the sync ends the IDLE wait at once") {
  ScriptedServer server = dovecot_like();
  server.examine_reports_uidnext = false;
  server.add("INBOX", day(2025, 3, 1), "m1@x", "jane@globex.com", "rep@acme.io");
  ImapSource source(options_for(server));
  MemoryStore store;
  sync(source, store);
  CHECK(store.messages.size() == 1);
  server.add("INBOX", day(2025, 3, 2), "m2@x", "jane@globex.com", "rep@acme.io");  // before IDLE starts
  std::atomic<bool> cancel{false};
  auto waited = source.wait_for_new_mail(seconds(60), cancel);
  REQUIRE(waited.has_value());
  CHECK(*waited == WaitOutcome::new_mail);
  CHECK(!server.commands_starting("UID SEARCH UID 2:*").empty());  // how it found out
  CHECK(server.commands_starting("IDLE").empty());
  sync(source, store);
  CHECK(store.messages.size() == 2);
}

TEST_CASE("a folder new to the store is SELECTed (Courier keeps its UIDs only then), a known one EXAMINEd") {
  ScriptedServer server = dovecot_like();
  server.add("INBOX", day(2025, 3, 1), "s1@x", "jane@globex.com", "rep@acme.io");
  ImapSource source(options_for(server));
  MemoryStore store;
  sync(source, store);
  CHECK(server.commands_starting("SELECT INBOX").size() == 1);
  CHECK(server.commands_starting("EXAMINE INBOX").empty());
  server.add("INBOX", day(2025, 3, 2), "s2@x", "jane@globex.com", "rep@acme.io");
  sync(source, store);
  CHECK(server.commands_starting("SELECT INBOX").size() == 1);
  CHECK(server.commands_starting("EXAMINE INBOX").size() == 1);
  server.folders["INBOX"].uidvalidity = 99;  // the server renumbered the folder
  sync(source, store);
  CHECK(server.commands_starting("SELECT INBOX").size() == 2);
  CHECK(store.messages.size() == 4);  // both again, under the new UIDVALIDITY
}

TEST_CASE("Neither STATUS nor EXAMINE reports UIDNEXT: the sync finds it by UID SEARCH") {
  ScriptedServer server = dovecot_like();
  server.examine_reports_uidnext = false;
  server.status_reports_uidnext = false;
  for (unsigned d = 1; d <= 5; ++d)
    server.add("INBOX", day(2025, 4, d), "n" + std::to_string(d) + "@x", "a@b.com", "rep@acme.io");
  ImapSource source(options_for(server));
  MemoryStore store;
  sync(source, store);
  CHECK(store.messages.size() == 5);
  CHECK(FolderState::from_json(store.checkpoints.at("INBOX").state)->uidnext == 6);
  sync(source, store);
  CHECK(store.messages.size() == 5);
}

TEST_CASE("since: the first pass searches SINCE; a wider window fetches only the older mail, once") {
  ScriptedServer server = dovecot_like();
  // Ten months of mail, UIDs not in date order (an imported archive came last).
  for (unsigned m = 1; m <= 10; ++m) {
    server.add("INBOX", day(2024, m, 15), "in" + std::to_string(m) + "@x", "jane@globex.com", "rep@acme.io");
  }
  server.add("INBOX", day(2023, 6, 1), "archive@x", "old@globex.com", "rep@acme.io");
  MemoryStore store;
  {
    ImapSourceOptions options = options_for(server);
    options.since = day(2024, 8, 1);
    ImapSource source(options);
    sync(source, store);
    CHECK(server.commands_starting("UID SEARCH UID 1:11 SINCE 1-Aug-2024").size() == 1);
    CHECK(store.messages.size() == 3);  // August, September, October
    const auto state = FolderState::from_json(store.checkpoints.at("INBOX").state);
    CHECK(state->uidnext == 12);
    CHECK(state->since == day(2024, 8, 1));
    // The same window again: nothing fetched, no widening search.
    sync(source, store);
    CHECK(store.messages.size() == 3);
  }
  server.add("INBOX", day(2024, 11, 1), "new@x", "jane@globex.com", "rep@acme.io");
  {
    ImapSourceOptions options = options_for(server);
    options.since = day(2024, 3, 1);
    ImapSource source(options);
    sync(source, store);
    CHECK(server.commands_starting("UID SEARCH UID 1:11 SINCE 1-Mar-2024 BEFORE 1-Aug-2024").size() == 1);
    CHECK(store.messages.size() == 3 + 5 + 1);  // March..July, and November's new mail
    CHECK(FolderState::from_json(store.checkpoints.at("INBOX").state)->since == day(2024, 3, 1));
  }
  {
    ImapSource source(options_for(server));  // no window: everything
    sync(source, store);
    CHECK(server.commands_starting("UID SEARCH UID 1:12 BEFORE 1-Mar-2024").size() == 1);
    CHECK(store.messages.size() == 12);
    CHECK(store.source_ids().size() == 12);  // nothing twice
    CHECK(!FolderState::from_json(store.checkpoints.at("INBOX").state)->since.has_value());
  }
}

TEST_CASE("IDLE watches Sent too: the rep's own reply ends the wait") {
  ScriptedServer server = dovecot_like();
  server.add("INBOX", day(2025, 5, 1), "q@x", "jane@globex.com", "rep@acme.io");
  ImapSource source(options_for(server));
  MemoryStore store;
  sync(source, store);
  server.deliver_during_idle("Sent", day(2025, 5, 2), "r@x", "rep@acme.io", "jane@globex.com");
  const int before = server.connections;
  std::atomic<bool> cancel{false};
  auto waited = source.wait_for_new_mail(seconds(30), cancel);
  REQUIRE(waited.has_value());
  CHECK(*waited == WaitOutcome::new_mail);
  CHECK(server.connections - before == 2);  // one per folder
  CHECK(server.commands_starting("IDLE").size() == 2);
  sync(source, store);
  CHECK(store.messages.size() == 2);
}

// Access tokens by a script: each call answers the next token; counts forced refreshes.
class ScriptedTokens final : public oauth::TokenSource {
 public:
  std::vector<std::string> tokens;
  int calls = 0;
  int forced = 0;
  std::expected<std::string, core::SourceError> token(bool force_refresh) override {
    if (force_refresh) ++forced;
    const std::string& next = tokens.at(std::min<std::size_t>(calls, tokens.size() - 1));
    ++calls;
    return next;
  }
};

TEST_CASE("OAuth: a refused access token is refreshed once and the login tried again") {
  ScriptedServer server = dovecot_like();
  server.add("INBOX", day(2025, 6, 1), "o@x", "jane@globex.com", "rep@acme.io");
  auto tokens = std::make_shared<ScriptedTokens>();
  std::vector<std::string> bearers;
  ImapSourceOptions options = options_for(server);
  options.tokens = tokens;
  std::string accepted = "fresh";
  options.transport_factory =
      [&](const ConnectOptions& connect) -> std::expected<std::unique_ptr<Transport>, core::SourceError> {
    bearers.push_back(connect.oauth2_bearer);
    if (connect.oauth2_bearer != accepted) {
      return std::unexpected(core::SourceError{core::ErrorKind::auth, "the server refused the login"});
    }
    return server.connect();
  };
  SUBCASE("revoked early, then accepted") {
    tokens->tokens = {"stale", "fresh"};
    ImapSource source(options);
    MemoryStore store;
    sync(source, store);
    CHECK(bearers == std::vector<std::string>{"stale", "fresh"});
    CHECK(tokens->forced == 1);
    CHECK(store.messages.size() == 1);
  }
  SUBCASE("refused twice: an auth error that says what to check, and no third try") {
    tokens->tokens = {"stale", "also-refused"};
    ImapSource source(options);
    MemoryStore store;
    auto summary = source.sync(store.reader(), store.sink(), {});
    REQUIRE(!summary.has_value());
    CHECK(summary.error().kind == core::ErrorKind::auth);
    CHECK(summary.error().message.find("refused a freshly issued access token too") != std::string::npos);
    CHECK(bearers.size() == 2);
  }
}

}  // namespace
}  // namespace prospectd::connectors::imap
