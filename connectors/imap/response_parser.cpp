// Streaming IMAP response parser: frames responses by following literal octet counts, then
// tokenises each complete response once. Section numbers are RFC 3501's unless said otherwise.
#include "connectors/imap/response_parser.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

#include "util/enum_names.h"
#include "util/text.h"

namespace prospectd::connectors::imap {
namespace {

// Deep enough for any real BODYSTRUCTURE, shallow enough that "((((..." cannot exhaust the stack.
constexpr int kMaxListDepth = 100;
// Bytes of context quoted in error messages.
constexpr std::size_t kExcerptBytes = 32;
// Above this capacity an almost empty buffer is shrunk after a large response.
constexpr std::size_t kShrinkAboveCapacity = std::size_t{1} << 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_upper(c);
  return out;
}

// Printable ASCII as is, everything else as \r, \n or \xNN; at most `max` input bytes. Inside
// quotes, `"` and `\` are escaped too.
std::string escape(std::string_view bytes, std::size_t max, bool quoted = true) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quoted && (c == '"' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

// " (after \"...\", at \"...\")": a little context before the failing byte and some after it.
std::string near(std::string_view bytes, std::size_t pos) {
  pos = std::min(pos, bytes.size());
  const std::size_t before = std::min(pos, kExcerptBytes / 2);
  return " (after \"" + escape(bytes.substr(pos - before, before), before) + "\", at \"" +
         escape(bytes.substr(pos), kExcerptBytes) + "\")";
}

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// ATOM-CHAR (§9): any CHAR except atom-specials: ( ) { SP CTL % * " \ ].
bool is_strict_atom_char(unsigned char c) {
  if (is_ctl(c) || c == ' ' || c >= 0x80) return false;
  return std::string_view("(){%*\"\\]").find(static_cast<char>(c)) == std::string_view::npos;
}

// What servers put in atoms of response data. Beyond ATOM-CHAR:
//  "\"      flags are "\" atom (§9 flag-extension): \Seen, \Sent (RFC 6154), and \* in
//           PERMANENTFLAGS (§7.1) or, from GreenMail, in FLAGS;
//  "%" "*"  mailbox names sent bare in LIST responses, and \*;
//  "]"      ASTRING-CHAR = ATOM-CHAR / resp-specials (§9), e.g. a bare [Gmail]/Sent.
// "[" is an atom char too, and opens a section (see Reader::skip_section).
bool is_response_atom_char(unsigned char c) {
  if (is_ctl(c) || c == ' ' || c >= 0x80) return false;
  return c != '(' && c != ')' && c != '{' && c != '"';
}

bool is_status_word(std::string_view word) {
  return util::equals_ignoring_case(word, "OK") || util::equals_ignoring_case(word, "NO") ||
         util::equals_ignoring_case(word, "BAD") || util::equals_ignoring_case(word, "PREAUTH") ||
         util::equals_ignoring_case(word, "BYE");
}

enum class Shape { continuation, status, data };

// Decided from the first line alone, before any literal: status responses and continuation
// requests are one line whose text is `text` (§9 resp-text, TEXT-CHAR), so a "{5}" at its end is
// text, not a literal. Only response data (§7.2-§7.4) can carry literals.
// Words end at SP or CR, exactly as Reader::read_word sees them.
Shape classify(std::string_view first_line) {
  if (!first_line.empty() && first_line.front() == '+') return Shape::continuation;
  const std::size_t space = first_line.find_first_of(" \r");
  if (first_line.substr(0, space) != "*") return Shape::status;                         // tagged: resp-cond-state
  if (space == std::string_view::npos || first_line[space] != ' ') return Shape::data;  // fails
  const std::string_view rest = first_line.substr(space + 1);
  return is_status_word(rest.substr(0, rest.find_first_of(" \r"))) ? Shape::status : Shape::data;
}

// The octet count of a literal announced at the end of a response-data line: "{n}", the
// LITERAL+ form "{n+}" (RFC 7888) or BINARY's "~{n}" (RFC 3516). Counts that do not fit are
// reported as the maximum so that the size guard rejects them.
std::optional<std::uint64_t> trailing_literal_length(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  std::size_t end = line.size() - 1;
  if (end > 0 && line[end - 1] == '+') --end;
  std::size_t begin = end;
  while (begin > 0 && is_digit(line[begin - 1])) --begin;
  if (begin == end || begin == 0 || line[begin - 1] != '{') return std::nullopt;
  std::uint64_t length = 0;
  const auto [ptr, ec] = std::from_chars(line.data() + begin, line.data() + end, length);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  return length;
}

// Tokenises one complete response (its bytes end with the final CRLF).
class Reader {
 public:
  Reader(std::string_view frame, std::uint64_t stream_offset) : s_(frame), stream_offset_(stream_offset) {}

  Response read_response() {
    Response response;
    if (peek() == '+') {
      ++pos_;
      response.kind = ResponseKind::continuation;
      read_resp_text(response);
      return response;
    }
    const std::string_view tag = read_word("tag");
    if (tag == "*") {
      response.kind = ResponseKind::untagged;
      read_untagged(response);
    } else {
      response.kind = ResponseKind::tagged;
      response.tag = std::string(check_tag(tag));
      read_tagged(response);
    }
    return response;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(what, pos_); }

  [[noreturn]] void fail_at(const std::string& what, std::size_t pos) const {
    throw ProtocolError(what + near(s_, pos), stream_offset_ + pos);
  }

  bool at_end() const { return pos_ >= s_.size(); }

  char peek() const {
    if (at_end()) fail("response ends early");
    return s_[pos_];
  }

  bool at_crlf() const { return pos_ + 1 < s_.size() && s_[pos_] == '\r' && s_[pos_ + 1] == '\n'; }

  void expect(char c, const char* what) {
    if (peek() != c) fail(std::string("expected ") + what);
    ++pos_;
  }

  // The response's final CRLF must come next, and nothing after it.
  void expect_end() {
    if (!at_crlf() || pos_ + 2 != s_.size()) fail("expected CRLF ending the response");
    pos_ += 2;
  }

  // Bytes up to the next SP or CRLF: a tag, a status word, a response name.
  std::string_view read_word(const char* what) {
    const std::size_t start = pos_;
    while (!at_end() && s_[pos_] != ' ' && s_[pos_] != '\r') ++pos_;
    if (pos_ == start) fail(std::string("missing ") + what);
    return s_.substr(start, pos_ - start);
  }

  // tag = 1*<any ASTRING-CHAR except "+"> (§9).
  std::string_view check_tag(std::string_view tag) const {
    for (std::size_t i = 0; i < tag.size(); ++i) {
      const auto c = static_cast<unsigned char>(tag[i]);
      if ((!is_strict_atom_char(c) && c != ']') || c == '+') fail_at("invalid byte in tag", i);
    }
    return tag;
  }

  std::string_view check_name(std::string_view name, std::size_t start) const {
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (!is_strict_atom_char(static_cast<unsigned char>(name[i]))) {
        fail_at("invalid byte in response name", start + i);
      }
    }
    return name;
  }

  // response-tagged = tag SP resp-cond-state CRLF; resp-cond-state is OK / NO / BAD (§9).
  void read_tagged(Response& response) {
    expect(' ', "SP after the tag");
    const std::string_view word = read_word("status after the tag");
    if (!util::equals_ignoring_case(word, "OK") && !util::equals_ignoring_case(word, "NO") &&
        !util::equals_ignoring_case(word, "BAD")) {
      fail_at("a tagged response must be OK, NO or BAD", pos_ - word.size());
    }
    response.status = upper(word);
    read_resp_text(response);
  }

  void read_untagged(Response& response) {
    expect(' ', "SP after \"*\"");
    if (is_digit(peek())) {
      read_numbered(response);
      return;
    }
    const std::size_t start = pos_;
    const std::string_view word = read_word("response name");
    if (is_status_word(word)) {
      response.status = upper(word);
      read_resp_text(response);
      return;
    }
    response.name = upper(check_name(word, start));
    response.data = read_top_level_values();
  }

  // message-data and the EXISTS / RECENT forms of mailbox-data: "* <n> <NAME> ..." (§7.3, §7.4).
  void read_numbered(Response& response) {
    const std::size_t start = pos_;
    while (!at_end() && is_digit(s_[pos_])) ++pos_;
    response.number = to_number(s_.substr(start, pos_ - start), start);
    expect(' ', "SP after the message number");
    const std::size_t name_start = pos_;
    response.name = upper(check_name(read_word("response name"), name_start));
    if (response.name == "FETCH") {
      read_fetch(response);
    } else {
      response.data = read_top_level_values();
    }
  }

  // "FETCH" SP msg-att, msg-att = "(" item *(SP item) ")", each item a name and its value.
  void read_fetch(Response& response) {
    expect(' ', "SP after FETCH");
    if (peek() != '(') fail("expected \"(\" opening the FETCH items");
    const std::size_t list_start = pos_;
    Value list = read_list(0);
    skip_trailing_space();
    expect_end();
    if (list.items.size() % 2 != 0) fail_at("FETCH item without a value", list_start);
    response.attributes.reserve(list.items.size() / 2);
    for (std::size_t i = 0; i < list.items.size(); i += 2) {
      if (!list.items[i].is_atom()) fail_at("FETCH item name is not an atom", list_start);
      response.attributes.push_back({std::move(list.items[i].text), std::move(list.items[i + 1])});
    }
  }

  std::vector<Value> read_top_level_values() {
    std::vector<Value> values;
    if (!at_crlf()) {
      expect(' ', "SP after the response name");
      values = read_values_until('\r', 0);
    }
    expect_end();
    return values;
  }

  // resp-text = ["[" resp-text-code "]" SP] text (§9). RFC 9051 (Appendix E) made text optional,
  // and servers do omit it: iCloud sends "* BYE", Gmail "* OK [HIGHESTMODSEQ n]", Yandex a bare
  // "+" continuation. So an empty text, with or without the SP before it, is accepted.
  void read_resp_text(Response& response) {
    if (!at_crlf()) {
      expect(' ', "SP before the response text");
      if (!at_end() && s_[pos_] == '[') read_resp_text_code(response);
      response.text = std::string(read_text());
    }
    expect_end();
  }

  // "[" atom [SP 1*<any TEXT-CHAR except "]">] "]" (§9). What does not fit stays part of the text
  // rather than failing: Mark Crispin's reading of §9 on the imap-protocol list, and what
  // Exchange needs ("OK [Error=\"...\" Proxy=...] AUTHENTICATE completed").
  void read_resp_text_code(Response& response) {
    const std::string_view line = s_.substr(pos_, s_.size() - 2 - pos_);
    const std::size_t close = line.find(']');
    if (close == std::string_view::npos) return;
    const std::string_view inner = line.substr(1, close - 1);
    std::size_t name_length = 0;
    while (name_length < inner.size() && is_strict_atom_char(static_cast<unsigned char>(inner[name_length]))) {
      ++name_length;
    }
    if (name_length == 0) return;
    if (name_length < inner.size() && inner[name_length] != ' ') return;
    const std::string_view after = line.substr(close + 1);
    if (!after.empty() && after.front() != ' ') return;
    ResponseCode code;
    code.name = upper(inner.substr(0, name_length));
    if (name_length < inner.size()) code.args = std::string(inner.substr(name_length + 1));
    response.code = std::move(code);
    pos_ += close + 1;
    if (!after.empty()) ++pos_;
  }

  // text = 1*TEXT-CHAR, TEXT-CHAR = any CHAR except CR and LF (§9). 8-bit bytes are accepted:
  // servers put UTF-8 mailbox names there (RFC 6855 §3, "[Gmail]/已加星标 selected").
  std::string_view read_text() {
    const std::size_t start = pos_;
    const std::size_t end = s_.size() - 2;
    for (; pos_ < end; ++pos_) {
      const char c = s_[pos_];
      if (c == '\r' || c == '\0') fail("CR or NUL inside response text");
    }
    return s_.substr(start, end - start);
  }

  // Values separated by single SPs, up to `close` (")" or the CR of the final CRLF).
  // Leniencies, each seen from real servers:
  //  - a SP before the closing ")" or CRLF: imap.qq.com "* 1 FETCH (UID 19436 )", Yahoo and
  //    GreenMail "* SEARCH 1 2 \r\n";
  //  - no SP between ")" and "(": what §9 itself requires in body-type-mpart ("1*body") and
  //    address lists ("(" 1*address ")"); outlook.com sends a SP there, which the first rule
  //    already reads.
  std::vector<Value> read_values_until(char close, int depth) {
    std::vector<Value> values;
    while (peek() != close) {
      values.push_back(read_value(depth));
      const char c = peek();
      if (c == close) break;
      if (c == ' ') {
        ++pos_;
      } else if (!(c == '(' && values.back().is_list())) {
        fail("expected SP between values");
      }
    }
    if (close == '\r' && !at_crlf()) fail("bare CR in response");
    return values;
  }

  void skip_trailing_space() {
    if (!at_end() && s_[pos_] == ' ' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\r') ++pos_;
  }

  Value read_value(int depth) {
    const char c = peek();
    if (c == '(') return read_list(depth);
    if (c == '"') return read_quoted();
    if (c == '{') return read_literal();
    if (c == '~' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '{') {
      ++pos_;  // literal8 = "~{" number "}" CRLF *OCTET (RFC 3516 §4.2)
      return read_literal();
    }
    if (c == '[' || is_response_atom_char(static_cast<unsigned char>(c))) return read_atom();
    if (c == ')') fail("unexpected \")\"");
    if (c == ' ') fail("unexpected SP (only one SP may separate values)");
    fail("unexpected byte where a value should start");
  }

  Value read_list(int depth) {
    if (depth >= kMaxListDepth) fail("lists nested too deeply");
    ++pos_;  // "("
    Value list = Value::make_list(read_values_until(')', depth + 1));
    ++pos_;  // ")"
    return list;
  }

  // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> /
  // "\" quoted-specials (§9). 8-bit bytes are accepted (UTF-8 under RFC 6855 / RFC 9051).
  Value read_quoted() {
    const std::size_t open = pos_++;
    std::string bytes;
    for (;;) {
      const std::size_t run = pos_;
      while (pos_ < s_.size()) {
        const char c = s_[pos_];
        if (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '\0') break;
        ++pos_;
      }
      bytes.append(s_, run, pos_ - run);
      if (at_end()) fail_at("unterminated quoted string", open);
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return Value::make_string(std::move(bytes));
      }
      if (c != '\\') fail_at("quoted string holds CR, LF or NUL, or is unterminated", open);
      ++pos_;
      const char escaped = peek();
      if (escaped != '\\' && escaped != '"') fail("invalid escape in quoted string");
      bytes += escaped;
      ++pos_;
    }
  }

  // literal = "{" number ["+"] "}" CRLF *CHAR8 (§4.3, §9; "+" is RFC 7888's form). The count is
  // in octets, and the octets are taken as they are: CRLF, "A004 OK", "* 3 EXISTS" or NUL inside
  // are content, never protocol.
  Value read_literal() {
    const std::size_t open = pos_++;
    const std::size_t digits = pos_;
    while (!at_end() && is_digit(s_[pos_])) ++pos_;
    if (pos_ == digits) fail("literal without an octet count");
    const std::uint64_t length = to_number(s_.substr(digits, pos_ - digits), digits);
    if (!at_end() && s_[pos_] == '+') ++pos_;
    expect('}', "\"}\" closing the literal's octet count");
    if (!at_crlf()) fail("a literal's octet count must be followed by CRLF");
    pos_ += 2;
    if (length > s_.size() - pos_) fail_at("literal runs past the end of the response", open);
    Value value = Value::make_string(std::string(s_.substr(pos_, length)));
    pos_ += length;
    return value;
  }

  // An atom, a number (all digits, §4.2) or NIL (§4.5). A "[" inside an atom opens a section
  // that runs to its "]", spaces and parentheses included, so that
  // BODY[HEADER.FIELDS (FROM TO)]<0> is one token (§9 msg-att-static: "BODY" section
  // ["<" number ">"]; "<" and ">" are ATOM-CHARs).
  Value read_atom() {
    const std::size_t start = pos_;
    while (!at_end()) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '[') {
        skip_section();
      } else if (is_response_atom_char(c)) {
        ++pos_;
      } else {
        break;
      }
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    bool all_digits = true;
    for (const char c : text) all_digits = all_digits && is_digit(c);
    if (all_digits) {
      Value value = Value::make_number(to_number(text, start));
      value.text = std::string(text);  // as sent: a bare mailbox name "007" stays "007"
      return value;
    }
    if (util::equals_ignoring_case(text, "NIL")) return Value::make_nil();
    return Value::make_atom(std::string(text));
  }

  // section = "[" [section-spec] "]" (§9); inside it header-fld-name is an astring, so a quoted
  // name may hold "]". A "[" with no "]" before the end of the line is an ordinary byte: Gmail
  // puts label names into keywords unescaped ("OIB-Seen-[Google Mail]/Alle Nachrichten").
  void skip_section() {
    std::size_t i = pos_ + 1;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == ']') {
        pos_ = i + 1;
        return;
      }
      if (c == '\r' || c == '\n' || c == '{' || c == '\0') break;
      if (c == '"') {
        ++i;
        while (i < s_.size() && s_[i] != '"' && s_[i] != '\r') i += (s_[i] == '\\') ? 2 : 1;
        if (i >= s_.size() || s_[i] != '"') break;
      }
      ++i;
    }
    ++pos_;  // no "]": the "[" is just part of the atom
  }

  std::uint64_t to_number(std::string_view digits, std::size_t start) const {
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
      fail_at("number does not fit in 64 bits", start);
    }
    return n;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::uint64_t stream_offset_;
};

std::string debug_text(const std::string& text, std::size_t max) { return "\"" + escape(text, max) + "\""; }

void append_debug(std::string& out, const Value& value) {
  switch (value.kind) {
    case Value::Kind::atom:
    case Value::Kind::number:
      out += value.text;
      break;
    case Value::Kind::string:
      out += debug_text(value.text, 200);
      if (value.text.size() > 200) out += "(" + std::to_string(value.text.size()) + " bytes)";
      break;
    case Value::Kind::nil:
      out += "NIL";
      break;
    case Value::Kind::list:
      out += '(';
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        if (i > 0) out += ' ';
        append_debug(out, value.items[i]);
      }
      out += ')';
      break;
  }
}

// In ResponseKind's declaration order (util::enum_name).
constexpr std::array<const char*, 3> kResponseKindNames = {"tagged", "untagged", "continuation"};

const char* kind_name(ResponseKind kind) { return util::enum_name(kind, kResponseKindNames, "?"); }

}  // namespace

ProtocolError::ProtocolError(const std::string& what, std::uint64_t stream_offset)
    : std::runtime_error("IMAP protocol error at stream byte " + std::to_string(stream_offset) + ": " + what),
      stream_offset_(stream_offset) {}

Value Value::make_atom(std::string atom_text) {
  Value value;
  value.kind = Kind::atom;
  value.text = std::move(atom_text);
  return value;
}

Value Value::make_number(std::uint64_t n) {
  Value value;
  value.kind = Kind::number;
  value.number = n;
  value.text = std::to_string(n);
  return value;
}

Value Value::make_string(std::string bytes) {
  Value value;
  value.kind = Kind::string;
  value.text = std::move(bytes);
  return value;
}

Value Value::make_nil() { return Value{}; }

Value Value::make_list(std::vector<Value> list_items) {
  Value value;
  value.kind = Kind::list;
  value.items = std::move(list_items);
  return value;
}

bool Value::is_atom(std::string_view name) const { return is_atom() && util::equals_ignoring_case(text, name); }

std::optional<std::string_view> Value::astring() const {
  if (kind == Kind::atom || kind == Kind::number || kind == Kind::string) return text;
  return std::nullopt;
}

std::optional<std::uint64_t> ResponseCode::number() const {
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(args.data(), args.data() + args.size(), n);
  if (args.empty() || ec != std::errc{} || ptr != args.data() + args.size()) return std::nullopt;
  return n;
}

const Value* Response::attribute(std::string_view attribute_name) const {
  for (const FetchAttribute& item : attributes) {
    if (util::equals_ignoring_case(item.name, attribute_name)) return &item.value;
  }
  return nullptr;
}

const FetchAttribute* Response::attribute_with_prefix(std::string_view prefix) const {
  for (const FetchAttribute& item : attributes) {
    if (util::starts_with_ignoring_case(item.name, prefix)) return &item;
  }
  return nullptr;
}

std::optional<std::uint64_t> Response::number_attribute(std::string_view attribute_name) const {
  const Value* value = attribute(attribute_name);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->number;
}

std::optional<std::string_view> Response::string_attribute(std::string_view attribute_name) const {
  const Value* value = attribute(attribute_name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->text;
}

std::optional<std::uint64_t> Response::modseq() const {
  const Value* value = attribute("MODSEQ");
  if (value == nullptr || !value->is_list() || value->items.size() != 1 || !value->items.front().is_number()) {
    return std::nullopt;
  }
  return value->items.front().number;
}

std::optional<std::string_view> Response::body_section(std::string_view prefix) const {
  const FetchAttribute* item = attribute_with_prefix(prefix);
  if (item == nullptr || !item->value.is_string()) return std::nullopt;
  return item->value.text;
}

std::string debug_string(const Value& value) {
  std::string out;
  append_debug(out, value);
  return out;
}

std::string debug_string(const Response& response) {
  std::string out = kind_name(response.kind);
  if (!response.tag.empty()) out += " " + response.tag;
  if (response.number) out += " " + std::to_string(*response.number);
  if (!response.status.empty()) out += " " + response.status;
  if (!response.name.empty()) out += " " + response.name;
  if (response.code) {
    out += " [" + response.code->name;
    if (!response.code->args.empty()) out += " " + escape(response.code->args, 200, false);
    out += "]";
  }
  for (const FetchAttribute& item : response.attributes) {
    out += " " + item.name + " ";
    append_debug(out, item.value);
  }
  for (const Value& value : response.data) {
    out += ' ';
    append_debug(out, value);
  }
  if (response.is_status() || response.kind == ResponseKind::continuation) {
    out += " " + debug_text(response.text, 200);
  }
  return out;
}

ResponseParser::ResponseParser(std::size_t max_response_size) : max_response_size_(max_response_size) {}

void ResponseParser::feed(std::string_view bytes) {
  release_consumed();
  buffer_.append(bytes);
}

std::optional<Response> ResponseParser::next() {
  if (failure_) throw *failure_;
  const std::optional<std::size_t> end = find_response_end();
  if (!end) return std::nullopt;
  const std::string_view frame(buffer_.data() + begin_, *end - begin_);
  try {
    Response response = Reader(frame, discarded_ + begin_).read_response();
    begin_ = scan_ = line_start_ = *end;
    first_line_ = true;
    return response;
  } catch (const ProtocolError& error) {
    failure_ = error;
    throw;
  }
}

// Advances the framing state over the bytes that arrived since the last call. Returns the end
// of the current response once all of its bytes (literals included) are buffered.
std::optional<std::size_t> ResponseParser::find_response_end() {
  for (;;) {
    if (in_literal_) {
      if (buffer_.size() < literal_end_) return std::nullopt;
      in_literal_ = false;
      line_start_ = scan_ = literal_end_;
    }
    const std::size_t lf = buffer_.find('\n', scan_);
    if (lf == std::string::npos) {
      scan_ = buffer_.size();
      check_size(buffer_.size() - begin_);
      return std::nullopt;
    }
    // The size first, so that the error does not depend on how the bytes were split.
    check_size(lf + 1 - begin_);
    // Lines end with CRLF (§2.2). No server is known to end lines with a bare LF, and accepting
    // one would let a stray LF shift the framing, so it is an error.
    if (lf == line_start_ || buffer_[lf - 1] != '\r') fail("line ends with a bare LF", lf);
    if (frame_line(lf)) return lf + 1;
  }
}

// Looks at one complete line [line_start_, lf]. Returns true if the response ends with it;
// otherwise a literal follows and its end is recorded.
bool ResponseParser::frame_line(std::size_t lf) {
  const std::string_view line(buffer_.data() + line_start_, lf - 1 - line_start_);
  if (first_line_) {
    first_line_ = false;
    if (classify(line) != Shape::data) return true;
  }
  const std::optional<std::uint64_t> length = trailing_literal_length(line);
  if (!length) return true;
  const std::uint64_t so_far = lf + 1 - begin_;
  if (*length > max_response_size_ || so_far + *length > max_response_size_) {
    fail("literal of " + std::to_string(*length) + " bytes would make the response larger than " +
             std::to_string(max_response_size_) + " bytes",
         lf);
  }
  literal_end_ = lf + 1 + static_cast<std::size_t>(*length);
  in_literal_ = true;
  return false;
}

void ResponseParser::check_size(std::size_t response_bytes) {
  if (response_bytes <= max_response_size_) return;
  fail("response is larger than the maximum of " + std::to_string(max_response_size_) + " bytes", begin_);
}

// Drops consumed bytes from the front of the buffer. Called before appending, and only once the
// consumed part is at least as large as what remains, so each byte is moved O(1) times overall.
void ResponseParser::release_consumed() {
  if (begin_ == 0) return;
  const std::size_t remaining = buffer_.size() - begin_;
  if (remaining > begin_) return;
  buffer_.erase(0, begin_);
  discarded_ += begin_;
  scan_ -= begin_;
  line_start_ -= begin_;
  if (in_literal_) literal_end_ -= begin_;
  begin_ = 0;
  if (buffer_.capacity() > kShrinkAboveCapacity && buffer_.size() < buffer_.capacity() / 8) {
    buffer_.shrink_to_fit();
  }
}

void ResponseParser::fail(const std::string& what, std::size_t buffer_pos) {
  ProtocolError error(what + near(buffer_, buffer_pos), discarded_ + buffer_pos);
  failure_ = error;
  throw error;
}

}  // namespace prospectd::connectors::imap
