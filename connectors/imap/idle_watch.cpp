// IDLE on several connections: each is examined and put into IDLE, then read in turn in short
// slices, so a new message in any folder ends the wait within a fraction of a second.
#include "connectors/imap/idle_watch.h"

#include "connectors/imap/folder_sync.h"
#include "connectors/imap/mailbox_name.h"
#include "connectors/imap/session.h"

namespace prospectd::connectors::imap {
namespace {

struct Watch {
  std::unique_ptr<Transport> transport;
  std::unique_ptr<Session> session;
  std::string idle_tag;
  std::uint64_t exists_at_select = 0;
};

enum class Prepared { idling, new_mail, unsupported };

// CAPABILITY (first connection only), EXAMINE, the "arrived meanwhile" check, then IDLE.
std::expected<Prepared, core::SourceError> prepare(Watch& watch, const WatchedFolder& folder, bool check_capability) {
  Session& session = *watch.session;
  if (check_capability) {
    Capabilities capabilities;
    auto listed = session.run("CAPABILITY", [&](Response& response) { capabilities.add_from(response); });
    if (!listed) return std::unexpected(listed.error());
    if (!capabilities.idle()) return Prepared::unsupported;
  }
  std::uint32_t uidnext = 0;
  auto examined = session.run("EXAMINE " + format_astring(folder.mailbox.wire_name), [&](Response& response) {
    if (response.name == "EXISTS" && response.number) watch.exists_at_select = *response.number;
    if (response.code && response.code->name == "UIDNEXT") {
      uidnext = static_cast<std::uint32_t>(response.code->number().value_or(0));
    }
  });
  if (!examined) return std::unexpected(examined.error());
  if (folder.uidnext != 0) {
    // Courier's EXAMINE reports no UIDNEXT (RFC 3501 §6.3.1 requires it): ask with UID SEARCH.
    if (uidnext == 0) {
      auto searched = uidnext_by_search(session, folder.uidnext);
      if (!searched) return std::unexpected(searched.error());
      uidnext = *searched;
    }
    if (uidnext > folder.uidnext) return Prepared::new_mail;  // arrived after the sync looked
  }
  watch.idle_tag = session.queue("IDLE");
  bool idling = false;
  auto started = session.read_until(
      [&](Response& response) {
        if (response.kind == ResponseKind::continuation) idling = true;
        return idling || response.kind == ResponseKind::tagged;
      },
      std::chrono::seconds(30));
  if (!started) return std::unexpected(started.error());
  return idling ? Prepared::idling : Prepared::unsupported;
}

// DONE (RFC 2177 §3) and LOGOUT on every connection that is idling.
void finish(std::vector<Watch>& watches) {
  for (auto& watch : watches) {
    if (!watch.idle_tag.empty()) {
      watch.session->queue_raw("DONE");
      (void)watch.session->wait_for(watch.idle_tag, nullptr);
    }
    watch.session->logout();
  }
}

}  // namespace

std::expected<WaitOutcome, core::SourceError> idle_until_new_mail(const std::vector<WatchedFolder>& folders,
                                                                  const TransportOpener& open,
                                                                  std::chrono::seconds wait,
                                                                  const std::atomic<bool>& cancel) {
  std::vector<Watch> watches;
  watches.reserve(folders.size());
  for (const auto& folder : folders) {
    auto transport = open();
    if (!transport) {
      finish(watches);
      return std::unexpected(transport.error());
    }
    Watch& watch = watches.emplace_back();
    watch.transport = std::move(*transport);
    watch.session = std::make_unique<Session>(*watch.transport);
    auto prepared = prepare(watch, folder, watches.size() == 1);
    if (!prepared) {
      watches.pop_back();  // its connection is broken: no DONE or LOGOUT on it
      finish(watches);
      return std::unexpected(prepared.error());
    }
    if (*prepared != Prepared::idling) {
      finish(watches);
      return *prepared == Prepared::new_mail ? WaitOutcome::new_mail : WaitOutcome::unsupported;
    }
  }
  if (watches.empty()) return WaitOutcome::unsupported;
  // Each connection in turn, briefly: the slices add up to a quarter of a second per round.
  const auto slice =
      std::chrono::milliseconds(std::max<std::int64_t>(50, 250 / static_cast<std::int64_t>(watches.size())));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  WaitOutcome outcome = WaitOutcome::timed_out;
  while (outcome == WaitOutcome::timed_out && std::chrono::steady_clock::now() < deadline) {
    if (cancel.load()) {
      outcome = WaitOutcome::cancelled;
      break;
    }
    for (std::size_t i = 0; i < watches.size(); ++i) {
      Watch& watch = watches[i];
      auto heard = watch.session->read_until(
          [&](Response& response) {
            // A new message raises EXISTS above what EXAMINE reported (RFC 3501 §7.3.1).
            return response.name == "EXISTS" && response.number && *response.number > watch.exists_at_select;
          },
          slice);
      if (!heard) {
        if (cancel.load()) return WaitOutcome::cancelled;
        watches.erase(watches.begin() + static_cast<std::ptrdiff_t>(i));
        finish(watches);
        return std::unexpected(heard.error());
      }
      if (*heard) {
        outcome = WaitOutcome::new_mail;
        break;
      }
    }
  }
  finish(watches);
  return outcome;
}

}  // namespace prospectd::connectors::imap
