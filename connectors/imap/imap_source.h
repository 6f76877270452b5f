// The IMAP connector: a MessageSource that syncs INBOX and Sent (or the configured folders)
// incrementally by UIDVALIDITY/UIDNEXT, fetching only the header fields prospectd needs, and
// signs in with a password or an OAuth 2.0 access token. One sync or wait at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/imap/curl_transport.h"
#include "connectors/imap/idle_watch.h"
#include "connectors/message_source.h"
#include "connectors/oauth/oauth.h"

namespace prospectd::connectors::imap {

using TransportFactory =
    std::function<std::expected<std::unique_ptr<Transport>, core::SourceError>(const ConnectOptions&)>;

struct ImapSourceOptions {
  ConnectOptions connect;
  std::vector<std::string> folders;    // empty: INBOX + \Sent (or Gmail's \All)
  std::uint32_t batch_size = 1000;     // messages per batch (= per transaction)
  std::uint32_t pipeline_depth = 2;    // UID FETCH commands in flight
  TransportFactory transport_factory;  // empty: CurlTransport::connect
  // auth = "oauth2": access tokens for OAUTHBEARER/XOAUTH2, refreshed before they expire and
  // once more when the server refuses one. Null: connect.password / connect.oauth2_bearer.
  std::shared_ptr<oauth::TokenSource> tokens;
  // The first pass of a folder fetches only mail from this day on (`since`); none: all.
  std::optional<std::chrono::sys_days> since;
};

// Counters of the last sync, for tests and benchmarks.
struct ImapSyncStats {
  std::uint64_t round_trips = 0;   // after login
  std::uint64_t fetched_uids = 0;  // messages whose headers were fetched
  std::vector<std::string> folders;
};

class ImapSource final : public MessageSource {
 public:
  explicit ImapSource(ImapSourceOptions options);
  std::expected<SyncSummary, core::SourceError> sync(const CheckpointReader& checkpoints, const BatchSink& sink,
                                                     const ProgressObserver& progress) override;
  // IDLE (RFC 2177) on the synced folders (INBOX and Sent), one more connection each. Re-issued
  // within 29 minutes as the RFC advises, and before the access token expires; `unsupported`
  // when the server lacks the IDLE capability.
  std::expected<WaitOutcome, core::SourceError> wait_for_new_mail(std::chrono::seconds max_wait,
                                                                  const std::atomic<bool>& cancel) override;
  std::optional<std::vector<std::string>> synced_scopes() const override;
  const ImapSyncStats& last_stats() const { return stats_; }

 private:
  // Connects and signs in: with a token from `tokens` when set, refreshing it once and trying
  // again when the server refuses it (an access token can be revoked before it expires).
  std::expected<std::unique_ptr<Transport>, core::SourceError> connect(const std::atomic<bool>* cancel);

  ImapSourceOptions options_;
  ImapSyncStats stats_;
  bool idle_supported_ = true;          // learnt from CAPABILITY during sync
  std::vector<WatchedFolder> watched_;  // the folders the last sync brought up to date
};

}  // namespace prospectd::connectors::imap
