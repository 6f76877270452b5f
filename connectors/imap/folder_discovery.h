// Which folders to sync: CAPABILITY and LIST in one pipelined round trip, then INBOX plus the
// \Sent special-use folder (RFC 6154), or Gmail's \All folder, or the configured list.
#pragma once

#include <expected>
#include <set>
#include <string>
#include <vector>

#include "connectors/imap/session.h"

namespace prospectd::connectors::imap {

struct Capabilities {
  std::set<std::string> names;  // upper-cased
  bool has(const std::string& name) const { return names.contains(name); }
  bool condstore() const { return has("CONDSTORE") || has("QRESYNC"); }
  bool gmail() const { return has("X-GM-EXT-1"); }
  bool idle() const { return has("IDLE"); }
  // Adds the names of an untagged CAPABILITY response (RFC 3501 §7.2.1), upper-cased;
  // ignores any other response.
  void add_from(const Response& response);
};

struct Mailbox {
  std::string wire_name;             // as the server spells it (modified UTF-7), for commands
  std::string name;                  // decoded UTF-8, for people and checkpoints
  std::set<std::string> attributes;  // upper-cased: \SENT, \ALL, \NOSELECT, ...
};

struct Discovery {
  Capabilities capabilities;
  std::vector<Mailbox> mailboxes;
};

// One round trip: CAPABILITY and LIST "" "*" pipelined.
std::expected<Discovery, core::SourceError> discover(Session& session);

// The folders to sync. `configured` (UTF-8 names) overrides the default; a configured name the
// server does not have is a fatal error that lists what it has.
std::expected<std::vector<Mailbox>, core::SourceError> choose_folders(const Discovery& discovery,
                                                                      const std::vector<std::string>& configured);

}  // namespace prospectd::connectors::imap
