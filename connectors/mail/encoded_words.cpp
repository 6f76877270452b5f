// Decoding of unstructured header text (Subject): RFC 2047 encoded words, RFC 6532 raw UTF-8,
// and the UTF-8 sanitiser every mail parser runs its output through.
#include "connectors/mail/encoded_words.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "connectors/mail/gmime_runtime.h"
#include "util/text.h"

namespace prospectd::connectors::mail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at `s[i]`, or 0 if there is none
// (RFC 3629 §4, Table 3-7 of Unicode: exact second-byte ranges rule out overlongs,
// surrogates and code points above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  }
  return len;
}

// windows-1252 code points for 0x80..0x9F (0 = unassigned, shown as U+FFFD).
constexpr std::array<std::uint16_t, 32> kCp1252High = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                       0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                       0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                       0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Appends `byte` read as windows-1252 (Latin-1 but for 0x80..0x9F); NUL and the five bytes
// windows-1252 leaves unassigned become U+FFFD.
void append_cp1252(std::string& out, char byte) {
  const auto b = static_cast<unsigned char>(byte);
  const std::uint16_t cp = b >= 0x80 && b <= 0x9F ? kCp1252High[b - 0x80] : b;
  if (cp == 0) {
    out += kReplacement;
  } else {
    append_code_point(out, cp);
  }
}

std::string decode_cp1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) append_cp1252(out, c);
  return out;
}

// Labels that mean a superset in practice (the WHATWG Encoding Standard's mapping): mail
// labelled with the narrower charset routinely carries the wider one's characters.
std::string_view effective_charset(std::string_view label) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kAliases = {{
      {"us-ascii", "windows-1252"},
      {"ascii", "windows-1252"},
      {"iso-8859-1", "windows-1252"},
      {"iso_8859-1", "windows-1252"},
      {"latin1", "windows-1252"},
      {"l1", "windows-1252"},
      {"cp1252", "windows-1252"},
      {"gb2312", "GB18030"},
      {"gbk", "GB18030"},
      {"x-gbk", "GB18030"},
      {"euc-cn", "GB18030"},
      {"ks_c_5601-1987", "CP949"},
      {"euc-kr", "CP949"},
      {"shift_jis", "CP932"},
      {"x-sjis", "CP932"},
      {"sjis", "CP932"},
  }};
  for (const auto& [from, to] : kAliases) {
    if (label == from) return to;
  }
  return label;
}

std::string convert_with_iconv(iconv_t cd, std::string_view bytes) {
  std::string out;
  std::string buffer(bytes.size() * 4 + 16, '\0');
  // iconv's interface is not const-correct; it does not write through `in`.
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  while (in_left > 0) {
    char* dst = buffer.data();
    std::size_t dst_left = buffer.size();
    const std::size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
    out.append(buffer.data(), buffer.size() - dst_left);
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    out += kReplacement;  // EILSEQ or a truncated sequence at the end (EINVAL)
    ++in;
    --in_left;
  }
  char* dst = buffer.data();
  std::size_t dst_left = buffer.size();
  iconv(cd, nullptr, nullptr, &dst, &dst_left);  // flush shift states (ISO-2022-JP)
  out.append(buffer.data(), buffer.size() - dst_left);
  return out;
}

// The bytes of one run of same-charset encoded words, as UTF-8.
std::string to_utf8(std::string_view charset, std::string_view bytes) {
  std::string label = util::ascii_lowercase(charset.substr(0, charset.find('*')));  // RFC 2231 §5 *lang
  const std::string_view effective = effective_charset(label);
  if (effective == "utf-8" || effective == "utf8") return sanitize_utf8(bytes);
  if (effective == "windows-1252") return decode_cp1252(bytes);
  detail::parser_options();  // GMime's charset tables need GMime initialised
  const std::string name(effective);
  // GMime maps MIME charset names to iconv's. Plain iconv_open: g_mime_iconv_open hands
  // back a converter even for a charset iconv does not know.
  iconv_t cd = iconv_open("UTF-8", g_mime_charset_iconv_name(name.c_str()));
  if (cd == reinterpret_cast<iconv_t>(-1)) return sanitize_utf8(bytes);  // unknown charset
  std::string out = convert_with_iconv(cd, bytes);
  iconv_close(cd);
  return sanitize_utf8(out);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 2047 §4.2 "Q": '_' is a space, "=XX" a byte; a malformed '=' stays as written.
std::string decode_q(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 2047 §4.1 "B", leniently: characters outside the alphabet (padding included) are
// skipped and a missing padding is tolerated; trailing bits that make no byte are dropped.
std::string decode_b(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int v = base64_value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// RFC 2047 §4.2 "Q" with only letters and digits left bare (safe in any phrase, §5(3)).
// Q rather than B: GMime joins adjacent words' raw text, which only B's padding breaks.
std::string q_encode(std::string_view utf8) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(utf8.size() * 3);
  for (const char c : utf8) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')) {
      out.push_back(c);
    } else if (b == ' ') {
      out.push_back('_');
    } else {
      out.push_back('=');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

struct EncodedWord {
  std::size_t end;  // one past the closing "?="
  std::string_view charset;
  char encoding;          // 'B' or 'Q'
  std::string_view text;  // the encoded text
};

// The encoded word "=?charset?B|Q?text?=" starting at s[pos] (RFC 2047 §2), if it is one.
// Lenient like most readers: SP/HTAB inside the text are accepted. Linear overall: the
// scans stop at the first '?', which no later word can start before.
std::optional<EncodedWord> match_encoded_word(std::string_view s, std::size_t pos) {
  constexpr std::size_t kMaxCharset = 64;
  std::size_t i = pos + 2;
  const std::size_t charset_end = s.find('?', i);
  if (charset_end == std::string_view::npos || charset_end == i || charset_end - i > kMaxCharset) {
    return std::nullopt;
  }
  const std::string_view charset = s.substr(i, charset_end - i);
  if (std::any_of(charset.begin(), charset.end(), [](char c) { return util::is_blank(c) || c == '='; })) {
    return std::nullopt;
  }
  i = charset_end + 1;
  if (i + 1 >= s.size() || s[i + 1] != '?') return std::nullopt;
  const char encoding = s[i];
  if (encoding != 'B' && encoding != 'b' && encoding != 'Q' && encoding != 'q') return std::nullopt;
  i += 2;
  const std::size_t text_end = s.find('?', i);
  if (text_end == std::string_view::npos || text_end + 1 >= s.size() || s[text_end + 1] != '=') {
    return std::nullopt;
  }
  const std::string_view text = s.substr(i, text_end - i);
  if (std::any_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n'; })) {
    return std::nullopt;
  }
  return EncodedWord{text_end + 2, charset, (encoding == 'B' || encoding == 'b') ? 'B' : 'Q', text};
}

std::size_t base64_length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return base64_value(c) >= 0 || c == '='; }));
}

// Collects the payload of adjacent encoded words in one charset. Encoders split text
// anywhere: a "Q" escape or a base64 quantum may continue in the next word, and a
// multi-byte character may straddle two words. So raw "Q" text is joined before decoding,
// raw "B" text too while the previous word ended mid-quantum, and the bytes of all words
// are converted together. A padded "B" word is decoded on its own (GMime's mistake).
class RunDecoder {
 public:
  void add(const EncodedWord& word) {
    if (util::ascii_lowercase(word.charset) != util::ascii_lowercase(charset_)) {
      utf8_ += flush();
      charset_ = std::string(word.charset);
    }
    if (word.encoding != encoding_ || (encoding_ == 'B' && base64_length(raw_) % 4 == 0)) {
      decode_raw();
      encoding_ = word.encoding;
    }
    raw_ += word.text;
  }
  std::string finish() {
    utf8_ += flush();
    charset_.clear();
    std::string out = std::move(utf8_);
    utf8_.clear();
    return out;
  }

 private:
  void decode_raw() {
    bytes_ += encoding_ == 'B' ? decode_b(raw_) : decode_q(raw_);
    raw_.clear();
  }
  std::string flush() {
    decode_raw();
    std::string out = bytes_.empty() ? std::string{} : to_utf8(charset_, bytes_);
    bytes_.clear();
    return out;
  }

  std::string charset_;
  char encoding_ = 'Q';
  std::string raw_;    // encoded text not decoded yet
  std::string bytes_;  // decoded bytes in charset_
  std::string utf8_;   // converted text of the run so far
};

// Splits `s` into literal text and runs of adjacent encoded words (only white space
// between them, RFC 2047 §6.2), calling on_text(raw) and on_run(utf8) in order.
template <typename OnText, typename OnRun>
void for_each_segment(std::string_view s, OnText on_text, OnRun on_run) {
  RunDecoder run;
  bool in_run = false;
  std::size_t literal_start = 0;
  std::size_t search = 0;
  while (true) {
    const std::size_t start = s.find("=?", search);
    if (start == std::string_view::npos) break;
    const std::optional<EncodedWord> word = match_encoded_word(s, start);
    if (!word) {
      search = start + 2;
      continue;
    }
    const std::string_view gap = s.substr(literal_start, start - literal_start);
    if (!in_run || !std::all_of(gap.begin(), gap.end(), util::is_blank)) {
      if (in_run) on_run(run.finish());
      if (!gap.empty()) on_text(gap);
    }
    in_run = true;
    run.add(*word);
    literal_start = search = word->end;
  }
  if (in_run) on_run(run.finish());
  if (literal_start < s.size()) on_text(s.substr(literal_start));
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {  // the common case: ASCII
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes) && bytes.find('\0') == std::string_view::npos) {
    return std::string(bytes);
  }
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (std::size_t i = 0; i < bytes.size();) {
    // A NUL, or a byte that starts no well-formed sequence, is read as windows-1252.
    const std::size_t len = bytes[i] == '\0' ? 0 : utf8_sequence_length(bytes, i);
    if (len > 0) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      append_cp1252(out, bytes[i]);
      ++i;
    }
  }
  return out;
}

std::string decode_unstructured(std::string_view value) {
  std::string out;
  for_each_segment(
      value, [&](std::string_view text) { out += sanitize_utf8(text); }, [&](std::string_view utf8) { out += utf8; });
  return out;
}

std::string normalize_encoded_words(std::string_view value) {
  std::string out;
  for_each_segment(
      value, [&](std::string_view text) { out += text; },
      [&](std::string_view utf8) {
        if (utf8.empty()) return;
        out += "=?UTF-8?Q?";
        out += q_encode(utf8);
        out += "?=";
      });
  return out;
}

}  // namespace prospectd::connectors::mail
