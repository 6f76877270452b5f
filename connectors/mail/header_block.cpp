// Splitting a raw header block into unfolded (name, value) fields (RFC 5322 §2.2).
// One linear pass over the bytes; values are copied once.
#include "connectors/mail/header_block.h"

#include <algorithm>

#include "util/text.h"

namespace prospectd::connectors::mail {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Appends one physical line's content, a lone CR turned into a space (a bare CR is no line
// break in RFC 5322 §2.2, and must not hide a field in a value).
void append_line(std::string& value, std::string_view line) {
  const std::size_t start = value.size();
  value.append(line);
  std::replace(value.begin() + static_cast<std::ptrdiff_t>(start), value.end(), '\r', ' ');
}

}  // namespace

std::vector<HeaderField> split_header_block(std::string_view raw) {
  std::vector<HeaderField> fields;
  bool in_field = false;  // false while skipping a garbage line and its continuations
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = raw.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? raw.size() : end + 1;
    if (end == std::string_view::npos) end = raw.size();
    std::string_view line = raw.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = next;

    if (line.empty()) break;  // RFC 5322 §2.1: the header ends at the first empty line
    if (is_wsp(line.front())) {
      // RFC 5322 §2.2.3: unfolding removes the CRLF, not the white space after it.
      if (in_field) append_line(fields.back().value, line);
      continue;
    }
    const std::size_t colon = line.find(':');
    std::string_view name = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);  // §4.5.3 obs-optional
    in_field = !name.empty() && std::none_of(name.begin(), name.end(), [](char c) { return is_wsp(c) || c == '\r'; });
    if (!in_field) continue;
    HeaderField field;
    field.name = std::string(name);
    append_line(field.value, line.substr(colon + 1));
    fields.push_back(std::move(field));
  }
  for (HeaderField& field : fields) {
    const std::string_view trimmed = util::trim(field.value, " \t");
    if (trimmed.size() != field.value.size()) field.value = std::string(trimmed);
  }
  return fields;
}

std::optional<std::string_view> find_field(std::span<const HeaderField> fields, std::string_view name) {
  for (const HeaderField& field : fields) {
    if (util::equals_ignoring_case(field.name, name)) return field.value;
  }
  return std::nullopt;
}

}  // namespace prospectd::connectors::mail
