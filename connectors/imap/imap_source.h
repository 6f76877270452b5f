// The IMAP connector: a MessageSource that syncs INBOX and Sent (or the configured folders)
// incrementally by UIDVALIDITY/UIDNEXT, fetching only the header fields prospectd needs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/imap/curl_transport.h"
#include "connectors/message_source.h"

namespace prospectd::connectors::imap {

using TransportFactory =
    std::function<std::expected<std::unique_ptr<Transport>, core::SourceError>(const ConnectOptions&)>;

struct ImapSourceOptions {
  ConnectOptions connect;
  std::vector<std::string> folders;    // empty: INBOX + \Sent (or Gmail's \All)
  std::uint32_t batch_size = 1000;     // messages per batch (= per transaction)
  std::uint32_t pipeline_depth = 2;    // UID FETCH commands in flight
  TransportFactory transport_factory;  // empty: CurlTransport::connect
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
  // IDLE on INBOX over a second connection (RFC 2177). Re-issued within 29 minutes as the
  // RFC advises; `unsupported` when the server lacks the IDLE capability.
  std::expected<WaitOutcome, core::SourceError> wait_for_new_mail(std::chrono::seconds max_wait,
                                                                  const std::atomic<bool>& cancel) override;
  const ImapSyncStats& last_stats() const { return stats_; }

 private:
  ImapSourceOptions options_;
  ImapSyncStats stats_;
  bool idle_supported_ = true;       // learnt from CAPABILITY during sync
  std::uint32_t inbox_uidnext_ = 0;  // INBOX's UIDNEXT when it was last synced
};

}  // namespace prospectd::connectors::imap
