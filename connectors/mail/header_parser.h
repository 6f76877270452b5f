// The whole header block of one message to core::MessageMeta: the one entry point the
// IMAP and Gmail connectors call. Pure functions; safe to call from any thread.
#pragma once

#include <span>
#include <string_view>

#include "core/message_meta.h"

namespace prospectd::connectors::mail {

// Parses a raw header block (or a whole message: parsing stops at the first empty line) and
// fills message_id, in_reply_to, references, from, sender, reply_to, to, cc, bcc, date,
// subject (decoded UTF-8) and markers. folder, source_id, provider_thread_id, received_at
// and snippet are left empty for the connector. When a field occurs more than once, the
// first occurrence wins (a second From: or To: is ignored, never merged). Never throws
// on malformed input: what cannot be parsed stays empty.
core::MessageMeta parse_header_block(std::string_view raw);

// The header field names parse_header_block reads, upper case, for an IMAP
// `BODY.PEEK[HEADER.FIELDS (...)]` fetch or a Gmail `metadataHeaders` list.
std::span<const std::string_view> needed_header_fields();

}  // namespace prospectd::connectors::mail
