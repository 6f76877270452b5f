// Splitting a raw header block into unfolded (name, value) fields (RFC 5322 §2.2).
// Pure functions; safe to call from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace prospectd::connectors::mail {

struct HeaderField {
  std::string name;   // as written (case kept), without trailing white space
  std::string value;  // unfolded, leading and trailing SP/HTAB removed; raw bytes
  bool operator==(const HeaderField&) const = default;
};

// Splits `raw` into fields, in order. Lines end at LF (a CR before it is dropped); the block
// ends at the first empty line, so a whole message may be passed. Unfolding (RFC 5322
// §2.2.3) removes the line break before SP or HTAB and keeps the white space; no other
// character continues a line. A bare CR inside a line becomes a space. Lines that are not
// fields (no colon, or a name with white space in it, e.g. an mbox "From " line or an
// IMAP "A004 OK done") are skipped together with their continuation lines. Linear time.
std::vector<HeaderField> split_header_block(std::string_view raw);

// The value of the first field called `name` (ASCII case-insensitive), if any.
std::optional<std::string_view> find_field(std::span<const HeaderField> fields, std::string_view name);

}  // namespace prospectd::connectors::mail
