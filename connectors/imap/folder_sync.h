// One folder's pass of an IMAP sync: EXAMINE, UID SEARCH, then pipelined UID FETCH batches, each
// handed to the sink with the checkpoint that is valid once it is stored. Lives for one folder
// of one sync, on the sync's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connectors/imap/folder_discovery.h"
#include "connectors/imap/folder_state.h"
#include "connectors/imap/session.h"
#include "connectors/imap/uid_ranges.h"
#include "connectors/message_source.h"

namespace prospectd::connectors::imap {

// What STATUS (RFC 3501 §6.3.10) or EXAMINE reported for a folder.
struct FolderStatus {
  std::uint64_t messages = 0;
  std::uint32_t uidnext = 0;  // 0: not reported
  std::uint32_t uidvalidity = 0;
  std::uint64_t highestmodseq = 0;
};

struct FolderSyncSettings {
  std::uint32_t batch_size = 1000;
  std::uint32_t pipeline_depth = 2;
  // The first pass fetches only mail from this day on; a later, earlier day (or none) fetches
  // the older mail then (UID SEARCH SINCE/BEFORE, RFC 3501 §6.4.4: internal dates).
  std::optional<std::chrono::sys_days> since;
};

struct FolderSyncCounters {
  std::uint64_t fetched_uids = 0;
};

// The UIDNEXT of the selected folder found by UID SEARCH, for servers whose EXAMINE does not
// report it (Courier): one past the highest UID from `known` on, or `known` when there is none.
std::expected<std::uint32_t, core::SourceError> uidnext_by_search(Session& session, std::uint32_t known);

class FolderSync {
 public:
  FolderSync(Session& session, const Capabilities& capabilities, const Mailbox& mailbox,
             const FolderSyncSettings& settings, const BatchSink& sink, const ProgressObserver& progress,
             SyncSummary& summary, FolderSyncCounters& counters);

  // Brings the folder up to date from `stored` (none: from the start). Returns the state
  // committed last (what IDLE compares against).
  std::expected<FolderState, core::SourceError> run(const std::optional<FolderState>& stored,
                                                    const FolderStatus& status);

 private:
  std::expected<FolderStatus, core::SourceError> examine(const FolderStatus& status, bool select);
  std::expected<void, core::SourceError> fetch_older(const FolderState& stored, const FolderStatus& selected,
                                                     std::uint64_t server_count);
  std::expected<UidRanges, core::SourceError> search_uids(std::uint32_t start, std::uint32_t last,
                                                          const std::string& dates);
  std::string since_criteria(std::optional<std::chrono::sys_days> from,
                             std::optional<std::chrono::sys_days> before) const;

  std::expected<void, core::SourceError> fetch_and_commit(
      UidRanges pending, std::uint64_t server_count, bool reset,
      const std::function<FolderState(std::uint32_t last_uid, bool final_batch)>& state_after);
  void commit(std::vector<core::MessageMeta> messages, const FolderState& state, std::uint64_t server_count,
              bool reset);
  void add_message(std::vector<core::MessageMeta>& batch, std::uint64_t uid, std::string_view header,
                   const Response& response);
  core::SourceError fetch_refused(const Response& completed) const;
  void report(std::uint64_t done, std::uint64_t total);

  Session& session_;
  const Capabilities& capabilities_;
  const Mailbox& mailbox_;
  const FolderSyncSettings& settings_;
  const BatchSink& sink_;
  const ProgressObserver& progress_;
  SyncSummary& summary_;
  FolderSyncCounters& counters_;
  std::uint32_t current_validity_ = 0;
};

}  // namespace prospectd::connectors::imap
