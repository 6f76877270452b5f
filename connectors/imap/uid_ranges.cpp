// Run-length UID sets: appending a consecutive UID extends the last run in place.
// Out-of-order input is sorted and merged once, in finish().
#include "connectors/imap/uid_ranges.h"

#include <algorithm>

namespace prospectd::connectors::imap {

void UidRanges::add(std::uint32_t uid) {
  if (!runs_.empty()) {
    UidRun& last = runs_.back();
    if (uid == last.last + 1) {
      last.last = uid;
      return;
    }
    if (uid <= last.last) sorted_ = false;
  }
  runs_.push_back({uid, uid});
}

void UidRanges::finish() {
  if (sorted_) return;
  std::sort(runs_.begin(), runs_.end(), [](const UidRun& a, const UidRun& b) { return a.first < b.first; });
  std::vector<UidRun> merged;
  for (const UidRun& run : runs_) {
    if (!merged.empty() && run.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, run.last);
    } else {
      merged.push_back(run);
    }
  }
  runs_ = std::move(merged);
  sorted_ = true;
}

std::uint64_t UidRanges::count() const {
  std::uint64_t total = 0;
  for (const UidRun& run : runs_) total += std::uint64_t{run.last} - run.first + 1;
  return total;
}

UidRanges UidRanges::take_front(std::uint64_t max_uids) {
  UidRanges front;
  std::size_t consumed = 0;
  while (consumed < runs_.size() && max_uids > 0) {
    UidRun& run = runs_[consumed];
    const std::uint64_t size = std::uint64_t{run.last} - run.first + 1;
    if (size <= max_uids) {
      front.runs_.push_back(run);
      max_uids -= size;
      ++consumed;
    } else {
      const auto split = static_cast<std::uint32_t>(run.first + max_uids - 1);
      front.runs_.push_back({run.first, split});
      run.first = split + 1;
      max_uids = 0;
    }
  }
  runs_.erase(runs_.begin(), runs_.begin() + static_cast<std::ptrdiff_t>(consumed));
  return front;
}

std::string UidRanges::sequence_set() const {
  std::string set;
  for (const UidRun& run : runs_) {
    if (!set.empty()) set += ',';
    set += std::to_string(run.first);
    if (run.last != run.first) {
      set += ':';
      set += std::to_string(run.last);
    }
  }
  return set;
}

}  // namespace prospectd::connectors::imap
