// libFuzzer entry point for the Gmail mapper: arbitrary bytes parsed as JSON (as the API
// client does) and mapped to MessageMeta must yield a message or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "connectors/gmail/message_mapper.h"
#include "connectors/mail/message_ids.h"
#include "tests/fuzz/fuzz_checks.h"

namespace gmail = prospectd::connectors::gmail;
using prospectd::fuzz::check_utf8;
using prospectd::fuzz::property_failed;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Snippets arrive as JSON strings, but the decoder must take any bytes.
  check_utf8(gmail::decode_snippet(bytes));

  const nlohmann::json message = nlohmann::json::parse(bytes, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return 0;
  (void)gmail::is_ignored(message);
  const std::expected<prospectd::core::MessageMeta, std::string> meta = gmail::map_message(message);
  if (!meta) {
    if (meta.error().empty()) property_failed();  // an error says what is missing
    return 0;
  }
  if (meta->folder != gmail::kGmailFolder || meta->source_id.empty() || meta->provider_thread_id.empty()) {
    property_failed();
  }
  check_utf8(meta->message_id);
  check_utf8(meta->in_reply_to);
  for (const std::string& id : meta->references) check_utf8(id);
  if (meta->references.size() > prospectd::connectors::mail::kMaxReferences) property_failed();
  for (const auto* list : {&meta->from, &meta->sender, &meta->reply_to, &meta->to, &meta->cc, &meta->bcc}) {
    check_utf8(*list);
  }
  check_utf8(meta->subject);
  check_utf8(meta->snippet);
  return 0;
}
