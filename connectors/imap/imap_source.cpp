// IMAP sync: sign in, discover folders, STATUS them all in one pipelined round trip, and hand
// each folder with news to a FolderSync; then IDLE on the folders it brought up to date.
#include "connectors/imap/imap_source.h"

#include <spdlog/spdlog.h>

#include "connectors/imap/folder_discovery.h"
#include "connectors/imap/folder_state.h"
#include "connectors/imap/folder_sync.h"
#include "connectors/imap/mailbox_name.h"
#include "connectors/imap/session.h"
#include "connectors/imap/uid_ranges.h"

namespace prospectd::connectors::imap {
namespace {

// "* STATUS name (MESSAGES 3 UIDNEXT 9 ...)" (RFC 3501 §7.2.4).
void read_status(const Response& response, FolderStatus& status) {
  if (response.data.size() < 2 || !response.data[1].is_list()) return;
  const auto& items = response.data[1].items;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    if (!items[i].is_atom() || !items[i + 1].is_number()) continue;
    const std::uint64_t value = items[i + 1].number;
    if (items[i].is_atom("MESSAGES")) status.messages = value;
    if (items[i].is_atom("UIDNEXT")) status.uidnext = clamp_to_uid(value);
    if (items[i].is_atom("UIDVALIDITY")) status.uidvalidity = clamp_to_uid(value);
    if (items[i].is_atom("HIGHESTMODSEQ")) status.highestmodseq = value;
  }
}

// STATUS for every folder in one pipelined round trip (RFC 3501 §6.3.10; HIGHESTMODSEQ per
// RFC 7162 §3.1.6 where CONDSTORE is offered). Result i is folder i's.
std::expected<std::vector<FolderStatus>, core::SourceError> query_statuses(Session& session,
                                                                           const Capabilities& capabilities,
                                                                           const std::vector<Mailbox>& folders) {
  const std::string status_items =
      std::string("(MESSAGES UIDNEXT UIDVALIDITY") + (capabilities.condstore() ? " HIGHESTMODSEQ)" : ")");
  std::vector<std::string> tags;
  for (const auto& folder : folders) {
    tags.push_back(session.queue("STATUS " + format_astring(folder.wire_name) + " " + status_items));
  }
  std::vector<FolderStatus> statuses(folders.size());
  for (std::size_t i = 0; i < folders.size(); ++i) {
    auto done = session.wait_for(tags[i], [&](Response& response) {
      if (response.name != "STATUS" || response.data.empty()) return;
      const auto name = response.data[0].astring();
      if (!name) return;
      const std::string wire(*name);
      for (std::size_t j = 0; j < folders.size(); ++j) {
        if (folders[j].wire_name == wire) read_status(response, statuses[j]);
      }
    });
    if (!done) return std::unexpected(done.error());
    if (done->status != "OK") {
      return std::unexpected(
          core::SourceError{core::ErrorKind::fatal, "cannot open folder \"" + folders[i].name + "\": " + done->text});
    }
  }
  return statuses;
}

}  // namespace

ImapSource::ImapSource(ImapSourceOptions options) : options_(std::move(options)) {
  if (!options_.transport_factory) {
    options_.transport_factory =
        [](const ConnectOptions& connect) -> std::expected<std::unique_ptr<Transport>, core::SourceError> {
      auto transport = CurlTransport::connect(connect);
      if (!transport) return std::unexpected(transport.error());
      return std::unique_ptr<Transport>(std::move(*transport));
    };
  }
  if (options_.batch_size == 0) options_.batch_size = 1000;
  if (options_.pipeline_depth == 0) options_.pipeline_depth = 1;
}

std::expected<std::unique_ptr<Transport>, core::SourceError> ImapSource::connect(const std::atomic<bool>* cancel) {
  ConnectOptions connect = options_.connect;
  if (cancel) connect.cancel = cancel;
  if (!options_.tokens) return options_.transport_factory(connect);
  auto token = options_.tokens->token(false);
  if (!token) return std::unexpected(token.error());
  connect.oauth2_bearer = std::move(*token);
  auto transport = options_.transport_factory(connect);
  if (transport || transport.error().kind != core::ErrorKind::auth) return transport;
  // The server refused a token we thought valid (revoked, or expired early): refresh once
  // (RFC 6750 §3.1 invalid_token: "The client MAY request a new access token").
  token = options_.tokens->token(true);
  if (!token) return std::unexpected(token.error());
  connect.oauth2_bearer = std::move(*token);
  transport = options_.transport_factory(connect);
  if (!transport && transport.error().kind == core::ErrorKind::auth) {
    return std::unexpected(core::SourceError{
        core::ErrorKind::auth, transport.error().message +
                                   "; it refused a freshly issued access token too: check that username is the "
                                   "account you signed in as and that the app may use IMAP"});
  }
  return transport;
}

std::expected<SyncSummary, core::SourceError> ImapSource::sync(const CheckpointReader& checkpoints,
                                                               const BatchSink& sink,
                                                               const ProgressObserver& progress) {
  stats_ = {};
  auto transport = connect(nullptr);
  if (!transport) return std::unexpected(transport.error());
  Session session(**transport);
  auto discovery = discover(session);
  if (!discovery) return std::unexpected(discovery.error());
  idle_supported_ = discovery->capabilities.idle();
  auto folders = choose_folders(*discovery, options_.folders);
  if (!folders) return std::unexpected(folders.error());

  auto statuses = query_statuses(session, discovery->capabilities, *folders);
  if (!statuses) return std::unexpected(statuses.error());

  SyncSummary summary;
  FolderSyncCounters counters;
  const FolderSyncSettings settings{options_.batch_size, options_.pipeline_depth, options_.since};
  std::vector<WatchedFolder> watched;
  for (std::size_t i = 0; i < folders->size(); ++i) {
    const Mailbox& folder = (*folders)[i];
    stats_.folders.push_back(folder.name);
    std::optional<FolderState> stored;
    if (auto checkpoint = checkpoints(folder.name)) stored = FolderState::from_json(checkpoint->state);
    FolderSync folder_sync(session, discovery->capabilities, folder, settings, sink, progress, summary, counters);
    auto result = folder_sync.run(stored, (*statuses)[i]);
    if (!result) return std::unexpected(result.error());
    watched.push_back(WatchedFolder{folder, result->uidnext});
  }
  watched_ = std::move(watched);
  stats_.fetched_uids = counters.fetched_uids;
  stats_.round_trips = session.round_trips();
  session.logout();
  spdlog::debug("imap {}: {} round trips after login, {} messages fetched in {} folders", options_.connect.url,
                stats_.round_trips, stats_.fetched_uids, stats_.folders.size());
  return summary;
}

std::optional<std::vector<std::string>> ImapSource::synced_scopes() const {
  if (watched_.empty()) return std::nullopt;
  std::vector<std::string> scopes;
  for (const auto& folder : watched_) scopes.push_back(folder.mailbox.name);
  return scopes;
}

std::expected<WaitOutcome, core::SourceError> ImapSource::wait_for_new_mail(std::chrono::seconds max_wait,
                                                                            const std::atomic<bool>& cancel) {
  if (!idle_supported_ || watched_.empty()) return WaitOutcome::unsupported;
  // RFC 2177 §3: clients should re-issue IDLE at least every 29 minutes.
  auto wait = std::min<std::chrono::seconds>(max_wait, std::chrono::minutes(29));
  // A server may end a session whose token expired (Exchange Online does): come back with a
  // fresh one before that.
  if (options_.tokens) {
    if (const auto until = options_.tokens->valid_until()) {
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(*until - std::chrono::steady_clock::now());
      wait = std::clamp(left, std::chrono::seconds(1), wait);
    }
  }
  // At most four connections: servers limit them per user (Dovecot 10, Gmail 15).
  std::vector<WatchedFolder> folders(
      watched_.begin(), watched_.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(watched_.size(), 4)));
  auto outcome = idle_until_new_mail(
      folders, [&] { return connect(&cancel); }, wait, cancel);
  if (outcome && *outcome == WaitOutcome::unsupported) idle_supported_ = false;
  return outcome;
}

}  // namespace prospectd::connectors::imap
