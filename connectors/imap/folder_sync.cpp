// The folder pass: what to search (new UIDs, within the `since` window; older mail when the
// window widened), then pipelined fetches committed batch by batch with their checkpoints.
#include "connectors/imap/folder_sync.h"

#include <deque>

#include "connectors/imap/internal_date.h"
#include "connectors/imap/mailbox_name.h"
#include "connectors/mail/header_parser.h"

namespace prospectd::connectors::imap {
namespace {

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

}  // namespace

std::expected<std::uint32_t, core::SourceError> uidnext_by_search(Session& session, std::uint32_t known) {
  // RFC 3501 §6.4.8: "known:*" also matches the highest UID when it is below `known`, so
  // only results from `known` on count.
  std::uint32_t next = known;
  auto searched = session.run("UID SEARCH UID " + std::to_string(known) + ":*", [&](Response& response) {
    if (response.name != "SEARCH") return;
    for (const auto& value : response.data) {
      if (value.is_number() && value.number >= known && value.number < UINT32_MAX) {
        next = std::max(next, clamp_to_uid(value.number + 1));
      }
    }
  });
  if (!searched) return std::unexpected(searched.error());
  return next;
}

FolderSync::FolderSync(Session& session, const Capabilities& capabilities, const Mailbox& mailbox,
                       const FolderSyncSettings& settings, const BatchSink& sink, const ProgressObserver& progress,
                       SyncSummary& summary, FolderSyncCounters& counters)
    : session_(session),
      capabilities_(capabilities),
      mailbox_(mailbox),
      settings_(settings),
      sink_(sink),
      progress_(progress),
      summary_(summary),
      counters_(counters) {}

std::expected<FolderState, core::SourceError> FolderSync::run(const std::optional<FolderState>& stored,
                                                              const FolderStatus& status) {
  const bool continuing = stored && stored->uidvalidity == status.uidvalidity;
  std::uint32_t start = continuing ? stored->uidnext : 1;
  // A continuing folder keeps its window (a relative one moves forward every day, but what was
  // fetched stays); only an earlier day widens it.
  std::optional<std::chrono::sys_days> since = continuing ? stored->since : settings_.since;
  const bool widen = continuing && stored->since && (!settings_.since || *settings_.since < *stored->since);
  if (continuing && !widen && status.uidnext != 0 && start >= status.uidnext) {
    // Nothing new (RFC 3501 §2.3.1.1: a new message always gets a UID >= UIDNEXT). Flag changes
    // that moved HIGHESTMODSEQ carry nothing prospectd keeps; record the fresh state only.
    report(0, 0);
    const FolderState state{status.uidvalidity, start, status.highestmodseq, since};
    commit({}, state, status.messages, false);
    return state;
  }
  // A folder new to us, or whose UIDVALIDITY changed, is opened with SELECT: Courier makes the
  // UIDs it assigns durable only for a SELECT, and hands an EXAMINE-only folder a new UIDVALIDITY
  // in every session (a full refetch each time). Nothing is changed either way: fetches PEEK.
  auto selected = examine(status, /*select=*/!continuing);
  if (!selected) return std::unexpected(selected.error());
  current_validity_ = selected->uidvalidity;
  const bool reset = stored && stored->uidvalidity != selected->uidvalidity;
  if (reset) {
    start = 1;
    since = settings_.since;
  }
  if (selected->uidnext == 0) {
    auto next = uidnext_by_search(session_, start);
    if (!next) return std::unexpected(next.error());
    selected->uidnext = *next;
  }
  if (widen && !reset) {
    auto older = fetch_older(*stored, *selected, status.messages);
    if (!older) return std::unexpected(older.error());
    since = settings_.since;
  }
  const auto state_after = [&](std::uint32_t last_uid, bool final_batch) {
    return FolderState{selected->uidvalidity, final_batch ? selected->uidnext : last_uid + 1, selected->highestmodseq,
                       since};
  };
  if (start >= selected->uidnext) {
    report(0, 0);
    commit({}, state_after(0, true), status.messages, reset);
    return state_after(0, true);
  }
  // New UIDs within the window. A message appended later with an old internal date (an
  // imported archive) falls outside it until the window widens: the invariant of FolderState.
  auto pending = search_uids(start, selected->uidnext - 1, since_criteria(since, std::nullopt));
  if (!pending) return std::unexpected(pending.error());
  if (pending->empty()) {
    report(0, 0);
    commit({}, state_after(0, true), status.messages, reset);
    return state_after(0, true);
  }
  auto fetched = fetch_and_commit(std::move(*pending), status.messages, reset, state_after);
  if (!fetched) return std::unexpected(fetched.error());
  return state_after(0, true);
}

// EXAMINE: read-only select (RFC 3501 §6.3.2), or SELECT (§6.3.1); its UIDVALIDITY/UIDNEXT
// are authoritative. Returns `status` updated with what the server reported.
std::expected<FolderStatus, core::SourceError> FolderSync::examine(const FolderStatus& status, bool select) {
  FolderStatus selected = status;
  const std::string verb = select ? "SELECT " : "EXAMINE ";
  auto examined = session_.run(verb + format_astring(mailbox_.wire_name), [&](Response& response) {
    if (!response.code) return;
    if (response.code->name == "UIDVALIDITY") selected.uidvalidity = clamp_to_uid(response.code->number().value_or(0));
    if (response.code->name == "UIDNEXT") selected.uidnext = clamp_to_uid(response.code->number().value_or(0));
    if (response.code->name == "HIGHESTMODSEQ") selected.highestmodseq = response.code->number().value_or(0);
  });
  if (!examined) return std::unexpected(examined.error());
  return selected;
}

// The window widened: the mail below the stored UIDNEXT from the new first day up to the old
// one (SINCE new BEFORE old: disjoint from what was fetched, RFC 3501 §6.4.4). Its batches keep
// the old window in their checkpoints; the last one records the new.
std::expected<void, core::SourceError> FolderSync::fetch_older(const FolderState& stored, const FolderStatus& selected,
                                                               std::uint64_t server_count) {
  const auto state_after = [&](std::uint32_t, bool final_batch) {
    return FolderState{selected.uidvalidity, stored.uidnext, selected.highestmodseq,
                       final_batch ? settings_.since : stored.since};
  };
  const std::uint32_t last = std::min(stored.uidnext, std::max<std::uint32_t>(selected.uidnext, 1)) - 1;
  UidRanges pending;
  if (last >= 1) {
    auto searched = search_uids(1, last, since_criteria(settings_.since, stored.since));
    if (!searched) return std::unexpected(searched.error());
    pending = std::move(*searched);
  }
  if (pending.empty()) {
    commit({}, state_after(0, true), server_count, false);
    return {};
  }
  return fetch_and_commit(std::move(pending), server_count, false, state_after);
}

std::string FolderSync::since_criteria(std::optional<std::chrono::sys_days> from,
                                       std::optional<std::chrono::sys_days> before) const {
  std::string criteria;
  if (from) criteria += " SINCE " + search_date(*from);
  if (before) criteria += " BEFORE " + search_date(*before);
  return criteria;
}

// The UIDs from `start` to `last` that exist (and match `dates`), to fetch. An explicit upper
// bound, never "*": RFC 3501 §6.4.8 makes "n:*" match the highest UID even when it is below n,
// so stray results are dropped as well.
std::expected<UidRanges, core::SourceError> FolderSync::search_uids(std::uint32_t start, std::uint32_t last,
                                                                    const std::string& dates) {
  UidRanges pending;
  auto searched = session_.run("UID SEARCH UID " + std::to_string(start) + ":" + std::to_string(last) + dates,
                               [&](Response& response) {
                                 if (response.name != "SEARCH") return;
                                 for (const auto& value : response.data) {
                                   if (value.is_number() && value.number >= start && value.number <= last) {
                                     pending.add(clamp_to_uid(value.number));
                                   }
                                 }
                               });
  if (!searched) return std::unexpected(searched.error());
  pending.finish();
  return pending;
}

// Fetches `pending` in pipelined UID FETCH batches and commits each batch, in UID order, with
// the checkpoint `state_after` gives for it.
std::expected<void, core::SourceError> FolderSync::fetch_and_commit(
    UidRanges pending, std::uint64_t server_count, bool reset,
    const std::function<FolderState(std::uint32_t last_uid, bool final_batch)>& state_after) {
  const std::uint64_t total = pending.count();
  std::uint64_t done = 0;
  report(0, total);
  const std::string items = fetch_items(capabilities_);
  std::deque<InFlightBatch> in_flight;
  bool first_batch = true;
  // Queues UID FETCH commands for the next batches until pipeline_depth are in flight.
  const auto queue_fetches = [&] {
    while (!pending.empty() && in_flight.size() < settings_.pipeline_depth) {
      InFlightBatch batch;
      batch.uids = pending.take_front(settings_.batch_size);
      batch.tag = session_.queue("UID FETCH " + batch.uids.sequence_set() + " " + items);
      in_flight.push_back(std::move(batch));
    }
  };
  // Adds a fetched message to the in-flight batch whose UIDs include it.
  const UntaggedHandler on_fetch = [&](Response& response) {
    if (!response.is_fetch()) return;
    const auto uid = response.number_attribute("UID");
    const auto header = response.body_section();
    if (!uid || !header) return;  // unsolicited FETCH (flag changes): nothing we keep
    for (auto& batch : in_flight) {
      if (*uid >= batch.uids.runs().front().first && *uid <= batch.uids.last_uid()) {
        add_message(batch.messages, *uid, *header, response);
        return;
      }
    }
  };
  queue_fetches();
  while (!in_flight.empty()) {
    auto completed = session_.wait_for(in_flight.front().tag, on_fetch);
    if (!completed) return std::unexpected(completed.error());
    if (completed->status != "OK") return std::unexpected(fetch_refused(*completed));
    InFlightBatch batch = std::move(in_flight.front());
    in_flight.pop_front();
    const bool final_batch = pending.empty() && in_flight.empty();
    done += batch.uids.count();
    counters_.fetched_uids += batch.messages.size();
    summary_.messages_fetched += batch.messages.size();
    // Queue the next command before storing, so the server streams while we write.
    queue_fetches();
    commit(std::move(batch.messages), state_after(batch.uids.last_uid(), final_batch), server_count,
           reset && first_batch);
    first_batch = false;
    report(done, total);
  }
  return {};
}

// E.g. messages expunged by another client mid-fetch: retry later rather than move the
// checkpoint past messages we did not get.
core::SourceError FolderSync::fetch_refused(const Response& completed) const {
  return core::SourceError{core::ErrorKind::transient, "the server answered UID FETCH in " + mailbox_.name + " with " +
                                                           completed.status + ": " + completed.text};
}

void FolderSync::add_message(std::vector<core::MessageMeta>& batch, std::uint64_t uid, std::string_view header,
                             const Response& response) {
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
  batch.push_back(std::move(meta));
}

void FolderSync::commit(std::vector<core::MessageMeta> messages, const FolderState& state, std::uint64_t server_count,
                        bool reset) {
  core::Batch batch;
  batch.messages = std::move(messages);
  batch.checkpoint = core::Checkpoint{mailbox_.name, state.to_json(), server_count};
  batch.reset_scope = reset;
  ++summary_.batches;
  sink_(std::move(batch));  // throws if the store cannot take it; the caller reports that
}

void FolderSync::report(std::uint64_t done, std::uint64_t total) {
  if (progress_) progress_(Progress{mailbox_.name, done, total});
}

}  // namespace prospectd::connectors::imap
