// UIDs as sorted runs [first, last], and their IMAP sequence-set form ("4:9,12,20:31").
// Memory grows with the number of gaps, not with the number of messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace prospectd::connectors::imap {

// A number the server sent as a UID, UIDNEXT or UIDVALIDITY (RFC 3501 §2.3.1.1: 32-bit), clamped
// to that range so a hostile or broken server cannot wrap it.
inline std::uint32_t clamp_to_uid(std::uint64_t value) {
  return value > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(value);
}

struct UidRun {
  std::uint32_t first;
  std::uint32_t last;  // inclusive
};

class UidRanges {
 public:
  // RFC 3501 §7.2.5 does not promise SEARCH results in order: out-of-order adds are allowed
  // and sorted in finish().
  void add(std::uint32_t uid);
  // Sorts and coalesces after out-of-order adds; call before reading.
  void finish();

  std::uint64_t count() const;
  bool empty() const { return runs_.empty(); }
  const std::vector<UidRun>& runs() const { return runs_; }

  // Splits off the first `max_uids` UIDs as a new UidRanges.
  UidRanges take_front(std::uint64_t max_uids);

  std::string sequence_set() const;
  std::uint32_t last_uid() const { return runs_.empty() ? 0 : runs_.back().last; }

 private:
  std::vector<UidRun> runs_;
  bool sorted_ = true;
};

}  // namespace prospectd::connectors::imap
