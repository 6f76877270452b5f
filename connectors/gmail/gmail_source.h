// The Gmail connector: a MessageSource over the Gmail REST API. Initial sync lists messages and
// fetches each thread by the cheaper of threads.get and messages.get; later syncs read history.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "connectors/gmail/api_client.h"
#include "connectors/message_source.h"
#include "connectors/oauth/oauth.h"

namespace prospectd::connectors::gmail {

// The one scope of a Gmail account; its checkpoint state is {"historyId": "..."} and, while a
// full sync is under way, "full_sync_after": the last thread id stored (threads go in id order).
inline constexpr std::string_view kScope = "gmail";

struct GmailSourceOptions {
  ApiClientOptions api;
  oauth::OAuthClient oauth;          // provider empty: "Google"
  std::filesystem::path token_file;  // {"refresh_token": ...}, read at each sync
  std::uint32_t batch_size = 500;    // messages per stored batch (one transaction each)
};

struct GmailSyncStats {
  ApiStats api;
  std::uint64_t messages = 0;  // messages mapped and handed to the store
  std::uint64_t threads = 0;   // threads fetched
  bool full_sync = false;
  bool history_expired = false;  // history.list answered 404: a full resync ran
};

// The cheapest way to fetch `messages` messages of one thread: one threads.get, or one
// messages.get each (Google's costs from quota_bucket.h). Ties go to threads.get (fewer calls).
Method cheapest_fetch(std::size_t messages);

class GmailSource final : public MessageSource {
 public:
  explicit GmailSource(GmailSourceOptions options);
  std::expected<SyncSummary, core::SourceError> sync(const CheckpointReader& checkpoints, const BatchSink& sink,
                                                     const ProgressObserver& progress) override;

  const GmailSyncStats& last_stats() const { return stats_; }
  // The account's own addresses as Gmail reports them (getProfile and settings.sendAs), learnt
  // at the start of each sync; the daemon adds them to the configured identities.
  std::vector<std::string> reported_own_addresses() const override { return own_addresses_; }

 private:
  GmailSourceOptions options_;
  GmailSyncStats stats_;
  std::vector<std::string> own_addresses_;
};

}  // namespace prospectd::connectors::gmail
