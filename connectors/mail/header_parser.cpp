// The whole header block of one message to core::MessageMeta: the one entry point the
// IMAP and Gmail connectors call.
#include "connectors/mail/header_parser.h"

#include <array>
#include <optional>
#include <string>

#include "connectors/mail/address_list.h"
#include "connectors/mail/date.h"
#include "connectors/mail/encoded_words.h"
#include "connectors/mail/header_block.h"
#include "connectors/mail/message_ids.h"
#include "util/text.h"

namespace prospectd::connectors::mail {
namespace {

constexpr auto kNeededFields = std::to_array<std::string_view>({
    "FROM",
    "SENDER",
    "REPLY-TO",
    "TO",
    "CC",
    "BCC",
    "DATE",
    "SUBJECT",
    "MESSAGE-ID",
    "IN-REPLY-TO",
    "REFERENCES",
    "AUTO-SUBMITTED",
    "PRECEDENCE",
    "LIST-ID",
    "LIST-UNSUBSCRIBE",
    "X-AUTOREPLY",
    "X-AUTORESPOND",
    "CONTENT-TYPE",
});

// RFC 2045 §5.1: type "/" subtype, before any ";" parameter, case-insensitive; comments
// and white space around the tokens are not part of it.
std::string media_type(std::string_view value) {
  std::string out;
  int comment_depth = 0;
  for (const char c : value.substr(0, value.find(';'))) {
    if (c == '(') {
      ++comment_depth;
    } else if (c == ')' && comment_depth > 0) {
      --comment_depth;
    } else if (comment_depth == 0 && c != ' ' && c != '\t' && c != '"') {
      out.push_back(util::ascii_lower(c));
    }
  }
  return sanitize_utf8(out);
}

}  // namespace

core::MessageMeta parse_header_block(std::string_view raw) {
  const std::vector<HeaderField> fields = split_header_block(raw);
  const auto field = [&](std::string_view name) { return find_field(fields, name); };
  const auto addresses = [&](std::string_view name) {
    const std::optional<std::string_view> value = field(name);
    return value ? parse_address_list(*value) : std::vector<core::Address>{};
  };
  const auto text = [&](std::string_view name) {
    const std::optional<std::string_view> value = field(name);
    return value ? sanitize_utf8(*value) : std::string{};
  };

  core::MessageMeta meta;
  if (const auto value = field("Message-ID")) meta.message_id = parse_message_id(*value);
  if (const auto value = field("In-Reply-To")) meta.in_reply_to = parse_message_id(*value);
  if (const auto value = field("References")) meta.references = parse_message_id_list(*value);
  meta.from = addresses("From");
  meta.sender = addresses("Sender");
  meta.reply_to = addresses("Reply-To");
  meta.to = addresses("To");
  meta.cc = addresses("Cc");
  meta.bcc = addresses("Bcc");
  if (const auto value = field("Date")) meta.date = parse_date(*value);
  if (const auto value = field("Subject")) meta.subject = decode_unstructured(*value);

  core::AutomationMarkers& markers = meta.markers;
  markers.auto_submitted = text("Auto-Submitted");
  markers.precedence = text("Precedence");
  markers.list_id = text("List-Id");
  markers.list_unsubscribe = text("List-Unsubscribe");
  markers.x_autoreply = field("X-Autoreply").has_value() || field("X-Autorespond").has_value();
  if (const auto value = field("Content-Type")) markers.content_type = media_type(*value);
  return meta;
}

std::span<const std::string_view> needed_header_fields() { return kNeededFields; }

}  // namespace prospectd::connectors::mail
