// The checkpoint of one IMAP folder: UIDVALIDITY, the next UID to fetch, HIGHESTMODSEQ, and how
// far back the folder's mail has been fetched. Stored by the store as opaque JSON next to the
// data it covers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace prospectd::connectors::imap {

struct FolderState {
  std::uint32_t uidvalidity = 0;
  std::uint32_t uidnext = 1;        // every UID below this has been stored (or never existed)
  std::uint64_t highestmodseq = 0;  // 0 when the server has no CONDSTORE
  // Below `uidnext`, the mail whose internal date is on or after this day was fetched (the
  // `since` window); none: all of it. A wider window later fetches the rest.
  std::optional<std::chrono::sys_days> since;

  std::string to_json() const;
  // nullopt for missing or unreadable state (then the folder is fetched from the start).
  static std::optional<FolderState> from_json(const std::string& json);
};

}  // namespace prospectd::connectors::imap
