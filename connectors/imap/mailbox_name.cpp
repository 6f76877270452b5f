// Modified UTF-7 mailbox names (RFC 3501 §5.1.3) and astring formatting of command arguments.
// Strict in what it decodes, so that a name that round-trips is the name the server has.
#include "connectors/imap/mailbox_name.h"

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace prospectd::connectors::imap {
namespace {

// Modified BASE64 (§5.1.3): RFC 2045's alphabet with "," instead of "/", and no "=" padding.
// A character's value is its index: one table for encoding and decoding.
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

// Characters that represent themselves: printable US-ASCII 0x20-0x7e ("&" is written "&-").
bool is_printable_ascii(char32_t c) { return c >= 0x20 && c <= 0x7e; }

bool is_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Decodes the UTF-8 sequence at s[i] and advances i past it; nullopt if it is malformed,
// overlong, a surrogate or beyond U+10FFFF.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  // Sequence length, payload bits of the lead byte, and the smallest code point of that length.
  struct Form {
    unsigned char mask, tag, payload;
    std::size_t length;
    char32_t minimum;
  };
  static constexpr Form kForms[] = {
      {0xe0, 0xc0, 0x1f, 2, 0x80}, {0xf0, 0xe0, 0x0f, 3, 0x800}, {0xf8, 0xf0, 0x07, 4, 0x10000}};
  const Form* form = nullptr;
  for (const Form& candidate : kForms) {
    if ((lead & candidate.mask) == candidate.tag) form = &candidate;
  }
  if (form == nullptr) return std::nullopt;
  const std::size_t length = form->length;
  const char32_t minimum = form->minimum;
  char32_t c = lead & form->payload;
  if (s.size() - i < length) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if (!is_continuation(next)) return std::nullopt;
    c = (c << 6) | (next & 0x3f);
  }
  if (c < minimum || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return std::nullopt;
  i += length;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

void append_utf16(std::u16string& units, char32_t c) {
  if (c < 0x10000) {
    units += static_cast<char16_t>(c);
  } else {
    c -= 0x10000;
    units += static_cast<char16_t>(0xd800 | (c >> 10));
    units += static_cast<char16_t>(0xdc00 | (c & 0x3ff));
  }
}

// Writes "&" + modified BASE64 of the UTF-16BE units + "-", and empties `units`.
void flush_shifted(std::u16string& units, std::string& out) {
  if (units.empty()) return;
  out += '&';
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char16_t unit : units) {
    bits = (bits << 16) | unit;
    bit_count += 16;
    while (bit_count >= 6) {
      bit_count -= 6;
      out += kBase64[(bits >> bit_count) & 0x3f];
    }
    bits &= (1u << bit_count) - 1;
  }
  if (bit_count > 0) out += kBase64[(bits << (6 - bit_count)) & 0x3f];
  out += '-';
  units.clear();
}

// Reads modified BASE64 from s[i] up to the closing "-" into UTF-16 units; advances i past the
// "-". nullopt if a byte is not BASE64, the "-" is missing, or the padding bits are not zero.
std::optional<std::u16string> read_shifted(std::string_view s, std::size_t& i) {
  std::u16string units;
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (; i < s.size() && s[i] != '-'; ++i) {
    const std::size_t value = kBase64.find(s[i]);
    if (value == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 16) {
      bit_count -= 16;
      units += static_cast<char16_t>((bits >> bit_count) & 0xffff);
      bits &= (1u << bit_count) - 1;
    }
  }
  if (i == s.size()) return std::nullopt;  // "a name ... MUST end in US-ASCII"
  ++i;
  if (bit_count >= 6 || bits != 0 || units.empty()) return std::nullopt;
  return units;
}

// UTF-16 units of one shifted run -> UTF-8. Each character must need the shift: "Modified
// BASE64 MUST NOT be used to represent any printing US-ASCII character" (§5.1.3).
bool append_shifted_as_utf8(const std::u16string& units, std::string& out) {
  for (std::size_t k = 0; k < units.size(); ++k) {
    char32_t c = units[k];
    if (c >= 0xdc00 && c <= 0xdfff) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      if (k + 1 == units.size() || units[k + 1] < 0xdc00 || units[k + 1] > 0xdfff) return false;
      c = 0x10000 + ((c - 0xd800) << 10) + (units[++k] - 0xdc00);
    }
    if (is_printable_ascii(c)) return false;
    append_utf8(out, c);
  }
  return true;
}

// ASTRING-CHAR = ATOM-CHAR / resp-specials (§9).
bool is_astring_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::string_view("(){%*\"\\").find(static_cast<char>(c)) == std::string_view::npos;
}

// TEXT-CHAR = any CHAR (0x01-0x7f) except CR and LF (§9): what a quoted string may hold.
bool is_text_char(unsigned char c) { return c >= 0x01 && c <= 0x7f && c != '\r' && c != '\n'; }

bool all_of(std::string_view s, bool (*predicate)(unsigned char)) {
  for (const char c : s) {
    if (!predicate(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::optional<std::string> encode_mailbox_name(std::string_view utf8) {
  std::string out;
  std::u16string pending;
  for (std::size_t i = 0; i < utf8.size();) {
    const std::optional<char32_t> c = next_code_point(utf8, i);
    if (!c) return std::nullopt;
    if (!is_printable_ascii(*c)) {
      append_utf16(pending, *c);
      continue;
    }
    flush_shifted(pending, out);
    if (*c == '&') {
      out += "&-";
    } else {
      out += static_cast<char>(*c);
    }
  }
  flush_shifted(pending, out);
  return out;
}

std::optional<std::string> decode_modified_utf7(std::string_view modified_utf7) {
  std::string out;
  bool after_shifted_run = false;
  for (std::size_t i = 0; i < modified_utf7.size();) {
    const char c = modified_utf7[i];
    if (!is_printable_ascii(static_cast<unsigned char>(c))) return std::nullopt;
    if (c != '&') {
      out += c;
      ++i;
      after_shifted_run = false;
      continue;
    }
    ++i;
    if (i < modified_utf7.size() && modified_utf7[i] == '-') {
      out += '&';
      ++i;
      after_shifted_run = false;
      continue;
    }
    // "-&" straight after a run is a null shift, which §5.1.3 forbids: one run must be used.
    if (after_shifted_run) return std::nullopt;
    const std::optional<std::u16string> units = read_shifted(modified_utf7, i);
    if (!units || !append_shifted_as_utf8(*units, out)) return std::nullopt;
    after_shifted_run = true;
  }
  return out;
}

std::string decode_mailbox_name(std::string_view wire_name) {
  std::optional<std::string> decoded = decode_modified_utf7(wire_name);
  return decoded ? std::move(*decoded) : std::string(wire_name);
}

std::string format_astring(std::string_view arg) {
  if (!arg.empty() && all_of(arg, is_astring_char)) return std::string(arg);
  if (all_of(arg, is_text_char)) return quoted(arg);
  const std::optional<std::string> encoded = encode_mailbox_name(arg);
  if (!encoded) throw std::invalid_argument("IMAP argument is neither 7-bit text nor UTF-8");
  // The encoding is printable ASCII, so this takes one of the first two forms.
  return format_astring(*encoded);
}

}  // namespace prospectd::connectors::imap
