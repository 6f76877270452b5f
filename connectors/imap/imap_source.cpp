// IMAP sync: discover folders, STATUS them all in one pipelined round trip, and for each folder
// with new UIDs: EXAMINE, UID SEARCH, then pipelined UID FETCH batches, each handed to the sink
// with the checkpoint that is valid once it is stored.
#include "connectors/imap/imap_source.h"

#include <spdlog/spdlog.h>

#include <deque>

#include "connectors/imap/folder_discovery.h"
#include "connectors/imap/folder_state.h"
#include "connectors/imap/internal_date.h"
#include "connectors/imap/mailbox_name.h"
#include "connectors/imap/session.h"
#include "connectors/imap/uid_ranges.h"
#include "connectors/mail/header_parser.h"

namespace prospectd::connectors::imap {
namespace {

struct FolderStatus {
  std::uint64_t messages = 0;
  std::uint32_t uidnext = 0;
  std::uint32_t uidvalidity = 0;
  std::uint64_t highestmodseq = 0;
};

std::uint32_t to_uid(std::uint64_t value) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, UINT32_MAX));
}

// "* STATUS name (MESSAGES 3 UIDNEXT 9 ...)" (RFC 3501 §7.2.4).
void read_status(const Response& response, FolderStatus& status) {
  if (response.data.size() < 2 || !response.data[1].is_list()) return;
  const auto& items = response.data[1].items;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    if (!items[i].is_atom() || !items[i + 1].is_number()) continue;
    const std::uint64_t value = items[i + 1].number;
    if (items[i].is_atom("MESSAGES")) status.messages = value;
    if (items[i].is_atom("UIDNEXT")) status.uidnext = to_uid(value);
    if (items[i].is_atom("UIDVALIDITY")) status.uidvalidity = to_uid(value);
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

std::string fetch_items(const Capabilities& capabilities) {
  std::string fields;
  for (std::string_view field : mail::needed_header_fields()) {
    if (!fields.empty()) fields += ' ';
    fields += field;
  }
  std::string items = "(UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (" + fields + ")]";
  if (capabilities.gmail()) items += " X-GM-THRID";
  return items + ")";
}

struct InFlightBatch {
  std::string tag;
  UidRanges uids;
  std::vector<core::MessageMeta> messages;
};

class FolderSync {
 public:
  FolderSync(Session& session, const Capabilities& capabilities, const Mailbox& mailbox,
             const ImapSourceOptions& options, const BatchSink& sink, const ProgressObserver& progress,
             SyncSummary& summary, ImapSyncStats& stats)
      : session_(session),
        capabilities_(capabilities),
        mailbox_(mailbox),
        options_(options),
        sink_(sink),
        progress_(progress),
        summary_(summary),
        stats_(stats) {}

  std::expected<void, core::SourceError> run(const std::optional<FolderState>& stored, const FolderStatus& status) {
    const bool validity_changed = stored && stored->uidvalidity != status.uidvalidity;
    std::uint32_t start = (stored && !validity_changed) ? stored->uidnext : 1;
    if (!validity_changed && start >= status.uidnext) {
      // Nothing new (RFC 3501 §2.3.1.1: a new message always gets a UID >= UIDNEXT). Flag changes
      // that moved HIGHESTMODSEQ carry nothing prospectd keeps; record the fresh state only.
      report(0, 0);
      return commit({}, FolderState{status.uidvalidity, start, status.highestmodseq}, status.messages, false);
    }
    auto selected = examine(status);
    if (!selected) return std::unexpected(selected.error());
    current_validity_ = selected->uidvalidity;
    const bool reset = stored && stored->uidvalidity != selected->uidvalidity;
    if (reset) start = 1;
    if (start >= selected->uidnext) {
      report(0, 0);
      return commit({}, FolderState{selected->uidvalidity, selected->uidnext, selected->highestmodseq}, status.messages,
                    reset);
    }
    auto pending = search_uids(start, selected->uidnext - 1);
    if (!pending) return std::unexpected(pending.error());
    return fetch_and_commit(std::move(*pending), *selected, status.messages, reset);
  }

 private:
  // EXAMINE: read-only select (RFC 3501 §6.3.2); its UIDVALIDITY/UIDNEXT are authoritative.
  // Returns `status` updated with what the server reported.
  std::expected<FolderStatus, core::SourceError> examine(const FolderStatus& status) {
    FolderStatus selected = status;
    auto examined = session_.run("EXAMINE " + format_astring(mailbox_.wire_name), [&](Response& response) {
      if (!response.code) return;
      if (response.code->name == "UIDVALIDITY") selected.uidvalidity = to_uid(response.code->number().value_or(0));
      if (response.code->name == "UIDNEXT") selected.uidnext = to_uid(response.code->number().value_or(0));
      if (response.code->name == "HIGHESTMODSEQ") selected.highestmodseq = response.code->number().value_or(0);
    });
    if (!examined) return std::unexpected(examined.error());
    return selected;
  }

  // The UIDs from `start` to `last` that exist, to fetch. An explicit upper bound, never "*":
  // RFC 3501 §6.4.8 makes "n:*" match the highest UID even when it is below n, so stray results
  // are dropped as well.
  std::expected<UidRanges, core::SourceError> search_uids(std::uint32_t start, std::uint32_t last) {
    UidRanges pending;
    auto searched =
        session_.run("UID SEARCH UID " + std::to_string(start) + ":" + std::to_string(last), [&](Response& response) {
          if (response.name != "SEARCH") return;
          for (const auto& value : response.data) {
            if (value.is_number() && value.number >= start && value.number <= last) {
              pending.add(to_uid(value.number));
            }
          }
        });
    if (!searched) return std::unexpected(searched.error());
    pending.finish();
    return pending;
  }

  // Fetches `pending` in pipelined UID FETCH batches and commits each batch, in UID order, with
  // the checkpoint that is valid once it is stored.
  std::expected<void, core::SourceError> fetch_and_commit(UidRanges pending, const FolderStatus& selected,
                                                          std::uint64_t server_count, bool reset) {
    const std::uint64_t total = pending.count();
    std::uint64_t done = 0;
    report(0, total);
    const std::string items = fetch_items(capabilities_);
    std::deque<InFlightBatch> in_flight;
    bool first_batch = true;
    const UntaggedHandler on_fetch = [&](Response& response) { collect_fetched(response, in_flight); };
    queue_fetches(pending, in_flight, items);
    while (!in_flight.empty()) {
      auto completed = session_.wait_for(in_flight.front().tag, on_fetch);
      if (!completed) return std::unexpected(completed.error());
      if (completed->status != "OK") return std::unexpected(fetch_refused(*completed));
      InFlightBatch batch = std::move(in_flight.front());
      in_flight.pop_front();
      const bool final_batch = pending.empty() && in_flight.empty();
      const std::uint32_t next_uid = final_batch ? selected.uidnext : batch.uids.last_uid() + 1;
      done += batch.uids.count();
      stats_.fetched_uids += batch.messages.size();
      summary_.messages_fetched += batch.messages.size();
      // Queue the next command before storing, so the server streams while we write.
      queue_fetches(pending, in_flight, items);
      auto committed =
          commit(std::move(batch.messages), FolderState{selected.uidvalidity, next_uid, selected.highestmodseq},
                 server_count, reset && first_batch);
      if (!committed) return committed;
      first_batch = false;
      report(done, total);
    }
    return {};
  }

  // Queues UID FETCH commands for the next batches until pipeline_depth are in flight.
  void queue_fetches(UidRanges& pending, std::deque<InFlightBatch>& in_flight, const std::string& items) {
    while (!pending.empty() && in_flight.size() < options_.pipeline_depth) {
      InFlightBatch batch;
      batch.uids = pending.take_front(options_.batch_size);
      batch.tag = session_.queue("UID FETCH " + batch.uids.sequence_set() + " " + items);
      in_flight.push_back(std::move(batch));
    }
  }

  // Adds a fetched message to the in-flight batch whose UIDs include it.
  void collect_fetched(Response& response, std::deque<InFlightBatch>& in_flight) {
    if (!response.is_fetch()) return;
    const auto uid = response.number_attribute("UID");
    const auto header = response.body_section();
    if (!uid || !header) return;  // unsolicited FETCH (flag changes): nothing we keep
    for (auto& batch : in_flight) {
      if (*uid >= batch.uids.runs().front().first && *uid <= batch.uids.last_uid()) {
        add_message(batch, *uid, *header, response);
        return;
      }
    }
  }

  // E.g. messages expunged by another client mid-fetch: retry later rather than move the
  // checkpoint past messages we did not get.
  core::SourceError fetch_refused(const Response& completed) const {
    return core::SourceError{core::ErrorKind::transient, "the server answered UID FETCH in " + mailbox_.name +
                                                             " with " + completed.status + ": " + completed.text};
  }

  void add_message(InFlightBatch& batch, std::uint64_t uid, std::string_view header, const Response& response) {
    core::MessageMeta meta;
    try {
      meta = mail::parse_header_block(header);
    } catch (const std::exception&) {
      ++summary_.items_skipped;  // bad_item: counted, the sync goes on
      return;
    }
    meta.folder = mailbox_.name;
    meta.source_id = std::to_string(current_validity_) + ":" + std::to_string(uid);
    if (const auto internal_date = response.string_attribute("INTERNALDATE")) {
      meta.received_at = parse_internal_date(*internal_date);
    }
    if (const auto thread = response.number_attribute("X-GM-THRID")) {
      meta.provider_thread_id = std::to_string(*thread);
    }
    batch.messages.push_back(std::move(meta));
  }

  std::expected<void, core::SourceError> commit(std::vector<core::MessageMeta> messages, const FolderState& state,
                                                std::uint64_t server_count, bool reset) {
    core::Batch batch;
    batch.messages = std::move(messages);
    batch.checkpoint = core::Checkpoint{mailbox_.name, state.to_json(), server_count};
    batch.reset_scope = reset;
    ++summary_.batches;
    sink_(std::move(batch));  // throws if the store cannot take it; the caller reports that
    return {};
  }

  void report(std::uint64_t done, std::uint64_t total) {
    if (progress_) progress_(Progress{mailbox_.name, done, total});
  }

  std::uint32_t current_validity_ = 0;
  Session& session_;
  const Capabilities& capabilities_;
  const Mailbox& mailbox_;
  const ImapSourceOptions& options_;
  const BatchSink& sink_;
  const ProgressObserver& progress_;
  SyncSummary& summary_;
  ImapSyncStats& stats_;
};

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

std::expected<SyncSummary, core::SourceError> ImapSource::sync(const CheckpointReader& checkpoints,
                                                               const BatchSink& sink,
                                                               const ProgressObserver& progress) {
  stats_ = {};
  auto transport = options_.transport_factory(options_.connect);
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
  for (std::size_t i = 0; i < folders->size(); ++i) {
    const Mailbox& folder = (*folders)[i];
    stats_.folders.push_back(folder.name);
    std::optional<FolderState> stored;
    if (auto checkpoint = checkpoints(folder.name)) stored = FolderState::from_json(checkpoint->state);
    FolderSync folder_sync(session, discovery->capabilities, folder, options_, sink, progress, summary, stats_);
    auto result = folder_sync.run(stored, (*statuses)[i]);
    if (!result) return std::unexpected(result.error());
    if (folder.name == "INBOX") inbox_uidnext_ = (*statuses)[i].uidnext;
  }
  stats_.round_trips = session.round_trips();
  session.logout();
  spdlog::debug("imap {}: {} round trips after login, {} messages fetched in {} folders", options_.connect.url,
                stats_.round_trips, stats_.fetched_uids, stats_.folders.size());
  return summary;
}

}  // namespace prospectd::connectors::imap

namespace prospectd::connectors::imap {

namespace {

// CAPABILITY, with the names upper-cased.
std::expected<Capabilities, core::SourceError> read_capabilities(Session& session) {
  Capabilities capabilities;
  auto listed = session.run("CAPABILITY", [&](Response& response) { capabilities.add_from(response); });
  if (!listed) return std::unexpected(listed.error());
  return capabilities;
}

// IDLE (RFC 2177) on the examined INBOX until EXISTS rises above `exists_at_select`, `wait`
// passes or `cancel` is set; then DONE and LOGOUT (not after a failed read).
std::expected<WaitOutcome, core::SourceError> idle_until_new_mail(Session& session, std::chrono::seconds wait,
                                                                  std::uint64_t exists_at_select,
                                                                  const std::atomic<bool>& cancel) {
  const std::string tag = session.queue("IDLE");
  bool idling = false;
  auto started = session.read_until(
      [&](Response& response) {
        if (response.kind == ResponseKind::continuation) idling = true;
        return idling || response.kind == ResponseKind::tagged;
      },
      std::chrono::seconds(30));
  if (!started) return std::unexpected(started.error());
  if (!idling) return WaitOutcome::unsupported;
  WaitOutcome outcome = WaitOutcome::timed_out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cancel.load()) {
      outcome = WaitOutcome::cancelled;
      break;
    }
    auto heard = session.read_until(
        [&](Response& response) {
          // A new message raises EXISTS above what EXAMINE reported (RFC 3501 §7.3.1).
          return response.name == "EXISTS" && response.number && *response.number > exists_at_select;
        },
        std::chrono::milliseconds(500));
    if (!heard) {
      if (cancel.load()) return WaitOutcome::cancelled;
      return std::unexpected(heard.error());
    }
    if (*heard) {
      outcome = WaitOutcome::new_mail;
      break;
    }
  }
  session.queue_raw("DONE");
  (void)session.wait_for(tag, nullptr);
  session.logout();
  return outcome;
}

}  // namespace

std::expected<WaitOutcome, core::SourceError> ImapSource::wait_for_new_mail(std::chrono::seconds max_wait,
                                                                            const std::atomic<bool>& cancel) {
  if (!idle_supported_) return WaitOutcome::unsupported;
  ConnectOptions connect = options_.connect;
  connect.cancel = &cancel;
  auto transport = options_.transport_factory(connect);
  if (!transport) return std::unexpected(transport.error());
  Session session(**transport);
  auto capabilities = read_capabilities(session);
  if (!capabilities) return std::unexpected(capabilities.error());
  if (!capabilities->idle()) {
    idle_supported_ = false;
    session.logout();
    return WaitOutcome::unsupported;
  }
  std::uint64_t exists_at_select = 0;
  std::uint64_t uidnext = 0;
  auto examined = session.run("EXAMINE INBOX", [&](Response& response) {
    if (response.name == "EXISTS" && response.number) exists_at_select = *response.number;
    if (response.code && response.code->name == "UIDNEXT") uidnext = response.code->number().value_or(0);
  });
  if (!examined) return std::unexpected(examined.error());
  if (inbox_uidnext_ != 0 && uidnext > inbox_uidnext_) {
    session.logout();  // mail arrived after the last sync looked: no need to wait
    return WaitOutcome::new_mail;
  }
  // RFC 2177 §3: clients should re-issue IDLE at least every 29 minutes.
  const auto wait = std::min<std::chrono::seconds>(max_wait, std::chrono::minutes(29));
  return idle_until_new_mail(session, wait, exists_at_select, cancel);
}

}  // namespace prospectd::connectors::imap
