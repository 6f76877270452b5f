// libFuzzer entry point for the structured field parsers (addresses, RFC 2047 text, dates,
// message ids): arbitrary field bodies must yield valid UTF-8 or nothing, never a crash.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mail/address_list.h"
#include "connectors/mail/date.h"
#include "connectors/mail/encoded_words.h"
#include "connectors/mail/message_ids.h"
#include "tests/fuzz/fuzz_checks.h"

namespace mail = prospectd::connectors::mail;
using prospectd::fuzz::check_utf8;
using prospectd::fuzz::property_failed;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);

  check_utf8(mail::parse_address_list(value));
  check_utf8(mail::decode_unstructured(value));
  (void)mail::normalize_encoded_words(value);
  (void)mail::parse_date(value);

  check_utf8(mail::parse_message_id(value));
  const std::vector<std::string> ids = mail::parse_message_id_list(value);
  if (ids.size() > mail::kMaxReferences) property_failed();
  std::set<std::string_view> seen;
  for (const std::string& id : ids) {
    check_utf8(id);
    if (!seen.insert(id).second) property_failed();  // de-duplicated (message_ids.h)
  }

  // sanitize_utf8 always answers valid UTF-8 and keeps well-formed text without NUL as it is.
  const std::string clean = mail::sanitize_utf8(value);
  check_utf8(clean);
  if (mail::is_valid_utf8(value) && value.find('\0') == std::string_view::npos && clean != value) {
    property_failed();
  }
  return 0;
}
