// A batch of messages and the checkpoint that becomes valid once they are stored: the unit the
// store commits atomically. Plain values; safe to move between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/message_meta.h"

namespace prospectd::core {

// An opaque, connector-defined position in one sync scope (an IMAP folder, a Gmail
// mailbox). The store keeps it verbatim next to the data it covers.
struct Checkpoint {
  std::string scope;                          // folder name, or "gmail"
  std::string state;                          // connector-owned JSON
  std::optional<std::uint64_t> server_count;  // messages the server holds in this scope
};

// A unit of work the store commits atomically: the messages and the checkpoint
// that becomes valid once they are stored.
struct Batch {
  std::vector<MessageMeta> messages;
  Checkpoint checkpoint;
  // True on the first batch after the scope's identity changed (IMAP UIDVALIDITY):
  // the store forgets the scope's old source ids in the same transaction.
  bool reset_scope = false;
};

}  // namespace prospectd::core
