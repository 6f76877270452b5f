// Message-ID, In-Reply-To and References parsing (RFC 5322 §3.6.4) for threading.
// GMime tokenises (CFWS, obsolete forms); this file de-duplicates and bounds.
#include "connectors/mail/message_ids.h"

#include <algorithm>
#include <unordered_set>

#include "connectors/mail/encoded_words.h"
#include "connectors/mail/gmime_runtime.h"

namespace prospectd::connectors::mail {
namespace {

// GMime reads C strings: a NUL must not end the list early.
std::string c_string_input(std::string_view value) {
  std::string input(value);
  std::replace(input.begin(), input.end(), '\0', ' ');
  return input;
}

}  // namespace

std::string parse_message_id(std::string_view value) {
  const std::string input = c_string_input(value);
  const detail::GCharPtr id(g_mime_utils_decode_message_id(input.c_str()));
  if (!id) return {};
  return sanitize_utf8(id.get());
}

std::vector<std::string> parse_message_id_list(std::string_view value) {
  const std::string input = c_string_input(value);
  std::vector<std::string> ids;
  GMimeReferences* refs = g_mime_references_parse(detail::parser_options(), input.c_str());
  if (refs == nullptr) return ids;
  const int count = g_mime_references_length(refs);
  std::unordered_set<std::string> seen;
  seen.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const char* id = g_mime_references_get_message_id(refs, i);
    if (id == nullptr || *id == '\0') continue;
    std::string clean = sanitize_utf8(id);
    if (seen.insert(clean).second) ids.push_back(std::move(clean));
  }
  g_mime_references_free(refs);
  if (ids.empty()) {
    // No <id> at all: some mailers write a bare id; take it like In-Reply-To does.
    if (std::string id = parse_message_id(value); !id.empty()) ids.push_back(std::move(id));
  }
  if (ids.size() > kMaxReferences) {
    ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(kMaxReferences));
  }
  return ids;
}

}  // namespace prospectd::connectors::mail
