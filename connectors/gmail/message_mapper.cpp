// Gmail API message resources to core::MessageMeta: headers rebuilt as a header block and
// parsed by mail::parse_header_block, plus the fields only Gmail supplies.
#include "connectors/gmail/message_mapper.h"

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "connectors/mail/encoded_words.h"
#include "connectors/mail/header_parser.h"

namespace prospectd::connectors::gmail {
namespace {

const nlohmann::json* member(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const nlohmann::json& object, const char* name) {
  const nlohmann::json* value = member(object, name);
  return value && value->is_string() ? value->get<std::string>() : std::string{};
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

}  // namespace

std::string decode_snippet(std::string_view snippet) {
  std::string out;
  out.reserve(snippet.size());
  std::size_t i = 0;
  while (i < snippet.size()) {
    const std::size_t end = snippet[i] == '&' ? snippet.find(';', i) : std::string_view::npos;
    if (end == std::string_view::npos || end - i > 10) {
      out.push_back(snippet[i++]);
      continue;
    }
    const std::string_view entity = snippet.substr(i + 1, end - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity == "nbsp") {
      out += "\u00a0";
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      std::uint32_t code = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (ec != std::errc{} || ptr != digits.data() + digits.size() || digits.empty()) {
        out.push_back(snippet[i++]);
        continue;
      }
      append_utf8(out, code);
    } else {
      out.push_back(snippet[i++]);
      continue;
    }
    i = end + 1;
  }
  return mail::sanitize_utf8(out);
}

bool is_ignored(const nlohmann::json& message) {
  const nlohmann::json* labels = member(message, "labelIds");
  if (!labels || !labels->is_array()) return false;
  for (const auto& label : *labels) {
    if (!label.is_string()) continue;
    const auto& name = label.get_ref<const std::string&>();
    if (name == "DRAFT" || name == "SPAM" || name == "TRASH") return true;
  }
  return false;
}

std::expected<core::MessageMeta, std::string> map_message(const nlohmann::json& message) {
  const std::string id = string_member(message, "id");
  if (id.empty()) return std::unexpected("a Gmail message without an id");
  const std::string thread_id = string_member(message, "threadId");
  if (thread_id.empty()) return std::unexpected("Gmail message " + id + " has no threadId");
  const nlohmann::json* payload = member(message, "payload");
  const nlohmann::json* headers = payload ? member(*payload, "headers") : nullptr;
  if (!headers || !headers->is_array()) {
    return std::unexpected("Gmail message " + id + " has no payload headers");
  }
  // Rebuild the header block; a line break inside a value would end the field early.
  std::string block;
  for (const auto& header : *headers) {
    std::string name = string_member(header, "name");
    if (name.empty()) continue;
    std::string value = string_member(header, "value");
    for (char& c : value) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    block += name;
    block += ": ";
    block += value;
    block += "\r\n";
  }
  core::MessageMeta meta = mail::parse_header_block(block);
  meta.folder = std::string(kGmailFolder);
  meta.source_id = id;
  meta.provider_thread_id = thread_id;
  const std::string internal_date = string_member(message, "internalDate");
  std::int64_t millis = 0;
  const auto [ptr, ec] = std::from_chars(internal_date.data(), internal_date.data() + internal_date.size(), millis);
  if (!internal_date.empty() && ec == std::errc{} && ptr == internal_date.data() + internal_date.size()) {
    meta.received_at = millis / 1000;
  }
  meta.snippet = decode_snippet(string_member(message, "snippet"));
  return meta;
}

}  // namespace prospectd::connectors::gmail
