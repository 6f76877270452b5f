// Gmail API message resources (format=metadata or full) to core::MessageMeta, through the
// same header parsers the IMAP connector uses. Pure functions; safe from any thread.
#pragma once

#include <expected>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/message_meta.h"

namespace prospectd::connectors::gmail {

// The folder every Gmail message is stored under (labels do not split a Gmail mailbox).
inline constexpr std::string_view kGmailFolder = "gmail";

// Maps one users.messages resource: payload.headers through mail::parse_header_block (so
// addresses, dates, Message-IDs, encoded words and automation markers are read exactly as for
// IMAP), id -> source_id, threadId -> provider_thread_id, internalDate (ms) -> received_at,
// snippet (HTML entities decoded) -> snippet, folder "gmail". Whether a message is outbound is
// left to rules/ (From against the identities), not to the SENT label. An error names what
// is missing (no id or threadId, no payload headers): a bad_item.
std::expected<core::MessageMeta, std::string> map_message(const nlohmann::json& message);

// True for messages that are not mail the rep exchanged: drafts, spam and trash.
bool is_ignored(const nlohmann::json& message);

// Gmail snippets are HTML-escaped ("I&#39;m"): decodes the named entities Gmail uses and
// numeric references to UTF-8.
std::string decode_snippet(std::string_view snippet);

}  // namespace prospectd::connectors::gmail
