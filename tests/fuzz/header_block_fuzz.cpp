// libFuzzer entry point for the header block parser: arbitrary bytes as a message's header
// block must yield a MessageMeta with valid UTF-8 everywhere, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/mail/header_parser.h"
#include "connectors/mail/message_ids.h"
#include "connectors/mail/subject.h"
#include "tests/fuzz/fuzz_checks.h"

namespace mail = prospectd::connectors::mail;
using prospectd::fuzz::check_utf8;
using prospectd::fuzz::property_failed;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const prospectd::core::MessageMeta meta = mail::parse_header_block(raw);

  // Every text the parser hands to the store is valid UTF-8 (header_parser.h, encoded_words.h).
  check_utf8(meta.message_id);
  check_utf8(meta.in_reply_to);
  for (const std::string& id : meta.references) check_utf8(id);
  if (meta.references.size() > mail::kMaxReferences) property_failed();
  for (const auto* list : {&meta.from, &meta.sender, &meta.reply_to, &meta.to, &meta.cc, &meta.bcc}) {
    check_utf8(*list);
  }
  check_utf8(meta.subject);
  check_utf8(meta.markers.auto_submitted);
  check_utf8(meta.markers.precedence);
  check_utf8(meta.markers.list_id);
  check_utf8(meta.markers.list_unsubscribe);
  check_utf8(meta.markers.content_type);
  // parse_header_block leaves the connector's fields alone.
  if (!meta.folder.empty() || !meta.source_id.empty() || !meta.provider_thread_id.empty() || meta.received_at ||
      !meta.snippet.empty()) {
    property_failed();
  }

  // Subject normalisation on the decoded subject, and on the raw bytes as they come.
  const std::string base = mail::base_subject(meta.subject);
  check_utf8(base);
  (void)mail::has_reply_prefix(meta.subject);
  (void)mail::base_subject(raw);
  (void)mail::has_reply_prefix(raw);
  return 0;
}
