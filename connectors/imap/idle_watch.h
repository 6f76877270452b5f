// Waiting for new mail with IDLE (RFC 2177) in every folder a sync watches -- INBOX and Sent, so
// the rep's own reply is seen as soon as a contact's -- one connection per folder. Runs on the
// account worker's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <vector>

#include "connectors/imap/folder_discovery.h"
#include "connectors/imap/transport.h"
#include "connectors/message_source.h"

namespace prospectd::connectors::imap {

struct WatchedFolder {
  Mailbox mailbox;
  std::uint32_t uidnext = 0;  // as the last sync left it: a higher UIDNEXT means new mail
};

using TransportOpener = std::function<std::expected<std::unique_ptr<Transport>, core::SourceError>()>;

// Opens one connection per folder, EXAMINEs it and IDLEs until a folder's EXISTS rises, `wait`
// passes or `cancel` is set. Mail that arrived after the sync looked ends the wait at once
// (UIDNEXT, or UID SEARCH where EXAMINE does not report it). `unsupported` when the server
// does not offer IDLE.
std::expected<WaitOutcome, core::SourceError> idle_until_new_mail(const std::vector<WatchedFolder>& folders,
                                                                  const TransportOpener& open,
                                                                  std::chrono::seconds wait,
                                                                  const std::atomic<bool>& cancel);

}  // namespace prospectd::connectors::imap
