// CSV and JSON Lines rows of `prospectd export`: name splitting, RFC 4180 quoting, the formula
// injection guard (OWASP "CSV injection") and the JSON object. Column names are what CRM imports
// recognise; change them only with README.md.
#include "views/contact_export.h"

#include <algorithm>
#include <array>
#include <vector>

#include "util/time_format.h"
#include "views/crm_json.h"

namespace prospectd::views {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// The words of `text`: split at ASCII blanks, NO-BREAK SPACE and IDEOGRAPHIC SPACE.
std::vector<std::string> words_of(std::string_view text) {
  std::string spaced(text);
  for (const std::string_view wide_space : {std::string_view("\xC2\xA0"), std::string_view("\xE3\x80\x80")}) {
    for (std::size_t at = spaced.find(wide_space); at != std::string::npos; at = spaced.find(wide_space, at)) {
      spaced.replace(at, wide_space.size(), " ");
    }
  }
  std::vector<std::string> words;
  std::string word;
  for (char c : spaced) {
    if (is_blank(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string join(const std::vector<std::string>& words, std::size_t from) {
  std::string joined;
  for (std::size_t i = from; i < words.size(); ++i) joined += (joined.empty() ? "" : " ") + words[i];
  return joined;
}

std::string ascii_lower(std::string text) {
  for (char& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return text;
}

// "Doe, Jr." is a name with a suffix, not "Last, First".
bool is_name_suffix(const std::string& text) {
  static constexpr std::array kSuffixes = {"jr",  "jr.",   "sr", "sr.",  "ii",  "iii", "iv",
                                           "phd", "ph.d.", "md", "m.d.", "esq", "esq."};
  const std::string lower = ascii_lower(text);
  return std::find(kSuffixes.begin(), kSuffixes.end(), lower) != kSuffixes.end();
}

PersonName first_word_and_rest(const std::vector<std::string>& words) {
  if (words.empty()) return {};
  return {words.front(), join(words, 1)};
}

std::string optional_text(const std::optional<std::string>& text) { return text.value_or(""); }

nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

std::optional<ExportFormat> export_format_from_string(std::string_view name) {
  if (name == "csv") return ExportFormat::csv;
  if (name == "jsonl") return ExportFormat::jsonl;
  return std::nullopt;
}

PersonName split_person_name(std::string_view display_name) {
  std::string name = join(words_of(display_name), 0);
  if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'') && name.back() == name.front()) {
    name = join(words_of(std::string_view(name).substr(1, name.size() - 2)), 0);
  }
  if (name.empty()) return {};
  if (name.find('@') != std::string::npos && name.find(' ') == std::string::npos) return {};  // an address
  const std::size_t comma = name.find(',');
  if (comma != std::string::npos && name.find(',', comma + 1) == std::string::npos) {
    const std::string before = join(words_of(std::string_view(name).substr(0, comma)), 0);
    const std::string after = join(words_of(std::string_view(name).substr(comma + 1)), 0);
    if (after.empty()) return first_word_and_rest(words_of(before));
    if (before.empty()) return first_word_and_rest(words_of(after));
    if (is_name_suffix(after)) {
      PersonName person = first_word_and_rest(words_of(before));
      (person.last.empty() ? person.first : person.last) += ", " + after;
      return person;
    }
    return {after, before};  // "Doe, Jane": Last, First
  }
  return first_word_and_rest(words_of(name));
}

std::optional<std::int64_t> last_contacted(const store::ContactRow& contact) {
  if (contact.last_inbound && contact.last_outbound) return std::max(*contact.last_inbound, *contact.last_outbound);
  return contact.last_inbound ? contact.last_inbound : contact.last_outbound;
}

std::string csv_field(std::string_view value) {
  std::string field;
  if (!value.empty() && (value.front() == '=' || value.front() == '+' || value.front() == '-' || value.front() == '@' ||
                         value.front() == '\t' || value.front() == '\r')) {
    field += '\'';
  }
  field += value;
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string export_preamble(ExportFormat format) {
  return format == ExportFormat::csv ? "email,first name,last name,company,stage,last contacted\r\n" : "";
}

std::string export_line(ExportFormat format, const store::ContactRow& contact) {
  if (format == ExportFormat::jsonl) {
    // A name with invalid UTF-8 must not end the export: such bytes become U+FFFD.
    return contact_export_json(contact).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  const PersonName person = split_person_name(contact.name);
  const auto contacted = last_contacted(contact);
  return csv_field(contact.email) + ',' + csv_field(person.first) + ',' + csv_field(person.last) + ',' +
         csv_field(optional_text(contact.company)) + ',' + csv_field(contact.stage) + ',' +
         csv_field(contacted ? util::iso8601_utc(*contacted) : "") + "\r\n";
}

nlohmann::json contact_export_json(const store::ContactRow& contact) {
  nlohmann::json document = contact_json(contact);
  const PersonName person = split_person_name(contact.name);
  document["first_name"] = text_or_null(person.first);
  document["last_name"] = text_or_null(person.last);
  document["last_contacted"] = optional_time_json(last_contacted(contact));
  return document;
}

}  // namespace prospectd::views
