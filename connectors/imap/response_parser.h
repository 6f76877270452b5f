// Streaming parser for IMAP server responses (RFC 3501 §7, §9): bytes from the socket in,
// complete tagged/untagged/continuation responses out. Pure: no I/O, no clock, no logging.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace prospectd::connectors::imap {

// Bytes that cannot be IMAP. The message says what was malformed and at which byte of the
// stream (counted from the first byte ever fed). The session is out of sync afterwards: drop
// the connection.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(const std::string& what, std::uint64_t stream_offset);
  std::uint64_t stream_offset() const { return stream_offset_; }

 private:
  std::uint64_t stream_offset_;
};

// One token of response data (RFC 3501 §4).
//  atom   - `FLAGS`, `\Seen`, `INBOX`, `1:*`, and a body section with its partial suffix as ONE
//           atom: `BODY[HEADER.FIELDS (FROM TO)]<0>` (§9 msg-att-static). Kept as sent.
//  number - an all-digit token (§4.2), up to 2^64-1 (covers mod-sequences and X-GM-THRID).
//  string - quoted (escapes removed) or literal `{n}`, `{n+}`, `~{n}`; bytes exact, may hold
//           NUL and CRLF.
//  nil    - NIL.
//  list   - parenthesised list.
struct Value {
  enum class Kind : std::uint8_t { atom, number, string, nil, list };

  Kind kind = Kind::nil;
  std::string text;          // atom text, string bytes, or a number's digits as sent
  std::uint64_t number = 0;  // kind == number
  std::vector<Value> items;  // kind == list

  static Value make_atom(std::string atom_text);
  static Value make_number(std::uint64_t n);  // text becomes the decimal digits
  static Value make_string(std::string bytes);
  static Value make_nil();
  static Value make_list(std::vector<Value> list_items);

  bool is_atom() const { return kind == Kind::atom; }
  bool is_number() const { return kind == Kind::number; }
  bool is_string() const { return kind == Kind::string; }
  bool is_nil() const { return kind == Kind::nil; }
  bool is_list() const { return kind == Kind::list; }
  // An atom equal to `name`, ignoring ASCII case.
  bool is_atom(std::string_view name) const;
  // The text of an astring-like value (§9 astring, nstring minus NIL): atom, number as sent, or
  // string; nullopt for NIL and lists. E.g. a LIST mailbox name, whatever form the server chose.
  std::optional<std::string_view> astring() const;

  friend bool operator==(const Value&, const Value&) = default;
};

// `[CODE args]` of a status response (RFC 3501 §7.1). `name` is upper-cased; `args` is the raw
// text after the first space, e.g. "IMAP4rev1 SASL-IR ..." or "(\Deleted \Seen \*)".
struct ResponseCode {
  std::string name;
  std::string args;

  // args as a number (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, UNSEEN), if it is one.
  std::optional<std::uint64_t> number() const;

  friend bool operator==(const ResponseCode&, const ResponseCode&) = default;
};

// One FETCH item: `UID 42`, `MODSEQ (7)`, `BODY[HEADER.FIELDS (FROM)] {123}...`.
struct FetchAttribute {
  std::string name;  // as sent (the engine compares ignoring case)
  Value value;

  friend bool operator==(const FetchAttribute&, const FetchAttribute&) = default;
};

enum class ResponseKind : std::uint8_t { tagged, untagged, continuation };

// One complete server response. Which fields are set depends on its shape:
//  status   `TAG OK [CODE args] text`, `* BYE text`: status, code, text (tag if tagged).
//  numbered `* 12 EXISTS`, `* 3 FETCH (...)`: number, name; FETCH also has attributes.
//  data     `* CAPABILITY ...`, `* LIST ...`, `* SEARCH ...`, `* ESEARCH ...`: name, data.
//  continuation `+ text`: code (rarely) and text.
struct Response {
  ResponseKind kind = ResponseKind::untagged;
  std::string tag;                         // tagged only
  std::string status;                      // OK, NO, BAD, PREAUTH, BYE (upper-cased); else empty
  std::optional<ResponseCode> code;        // status and continuation only
  std::string text;                        // human text; never tokenised (may hold `"` or `(`)
  std::optional<std::uint64_t> number;     // `* <n> <NAME>`
  std::string name;                        // upper-cased: EXISTS, FETCH, CAPABILITY, LIST, ...
  std::vector<Value> data;                 // tokens after `name` (not for FETCH)
  std::vector<FetchAttribute> attributes;  // FETCH only, in the order sent

  bool is_status() const { return !status.empty(); }
  bool is_fetch() const { return name == "FETCH"; }

  // FETCH helpers. Names compare ignoring ASCII case; nullptr/nullopt if absent or of another
  // shape than expected.
  const Value* attribute(std::string_view attribute_name) const;
  // First attribute whose name starts with `prefix`, e.g. "BODY[" finds
  // `BODY[HEADER.FIELDS (FROM TO)]` whatever header list the server echoes back.
  const FetchAttribute* attribute_with_prefix(std::string_view prefix) const;
  // UID, RFC822.SIZE, X-GM-THRID, X-GM-MSGID.
  std::optional<std::uint64_t> number_attribute(std::string_view attribute_name) const;
  // INTERNALDATE, or any string-valued item.
  std::optional<std::string_view> string_attribute(std::string_view attribute_name) const;
  // MODSEQ's value is a one-element list `(n)` (RFC 7162 §7).
  std::optional<std::uint64_t> modseq() const;
  // Bytes of the first `BODY[...]` section (nullopt if absent or NIL).
  std::optional<std::string_view> body_section(std::string_view prefix = "BODY[") const;

  friend bool operator==(const Response&, const Response&) = default;
};

// Readable one-line renderings for logs and test failures (non-printable bytes escaped).
std::string debug_string(const Value& value);
std::string debug_string(const Response& response);

// Incremental response parser for one connection. Feed it whatever curl_easy_recv returned;
// call next() until it returns nullopt. Framing follows the octet counts of literals, so
// message content (a header line `A004 OK done` inside a literal) never ends a response.
//
// Cost is linear in the bytes fed: an incomplete response is scanned forward from where the
// last call stopped (a pending literal is skipped by its count, not scanned), and a response is
// tokenised exactly once, when all of its bytes are here. Consumed bytes are released.
//
// Not thread-safe; one instance per connection. After next() throws, it throws the same error
// again: the stream cannot be resynchronised.
class ResponseParser {
 public:
  static constexpr std::size_t kDefaultMaxResponseSize = std::size_t{64} << 20;  // 64 MiB

  // A response (including its literals) larger than `max_response_size` is a ProtocolError:
  // it bounds the memory a hostile or broken server can make us hold.
  explicit ResponseParser(std::size_t max_response_size = kDefaultMaxResponseSize);

  void feed(std::string_view bytes);

  // The next complete response, or nullopt if more bytes are needed. Throws ProtocolError.
  std::optional<Response> next();

  // Bytes fed but not yet returned as responses (the incomplete tail).
  std::size_t pending_bytes() const { return buffer_.size() - begin_; }
  // Bytes held in memory, including consumed ones not released yet. Consumed bytes are dropped
  // on the next feed() once they outweigh the rest, so this stays within about twice the larger
  // of one response and one feed, however many responses pass through.
  std::size_t held_bytes() const { return buffer_.size(); }
  // Bytes of the stream returned as responses so far.
  std::uint64_t bytes_consumed() const { return discarded_ + begin_; }

 private:
  std::optional<std::size_t> find_response_end();
  bool frame_line(std::size_t line_end);
  void check_size(std::size_t response_bytes);
  void release_consumed();
  [[noreturn]] void fail(const std::string& what, std::size_t buffer_pos);

  std::size_t max_response_size_;
  std::string buffer_;
  std::size_t begin_ = 0;        // start of the current response in buffer_
  std::size_t scan_ = 0;         // where the search for the next LF resumes
  std::size_t line_start_ = 0;   // start of the line being framed
  std::size_t literal_end_ = 0;  // end of a pending literal (when in_literal_)
  bool in_literal_ = false;
  bool first_line_ = true;
  std::uint64_t discarded_ = 0;  // bytes erased from the front of buffer_ so far
  std::optional<ProtocolError> failure_;
};

}  // namespace prospectd::connectors::imap
