// Tests for modified UTF-7 mailbox names (RFC 3501 §5.1.3) and astring formatting of command
// arguments, including that no argument can smuggle a CRLF into a command line.
#include "connectors/imap/mailbox_name.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace imap = prospectd::connectors::imap;

namespace {

// UTF-8 name and its modified UTF-7 form.
const std::vector<std::pair<std::string, std::string>> kNames = {
    // RFC 3501 §5.1.3's own examples.
    {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
    {"台北日本語", "&U,BTF2XlZyyKng-"},
    {"☺!", "&Jjo-!"},
    // "&" stands for itself as "&-".
    {"&", "&-"},
    {"R&D", "R&-D"},
    {"R&D ü", "R&-D &APw-"},
    // Folder names real servers use.
    {"INBOX", "INBOX"},
    {"[Gmail]/Sent Mail", "[Gmail]/Sent Mail"},
    {"Entwürfe", "Entw&APw-rfe"},
    {"Éléments envoyés", "&AMk-l&AOk-ments envoy&AOk-s"},
    {"Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
    {"送信済み", "&kAFP4W4IMH8-"},
    // Beyond the BMP: a UTF-16 surrogate pair.
    {"😀", "&2D3eAA-"},
    // Control characters are not printable ASCII, so they are shifted too.
    {"Sent\r\nA1 LOGOUT", "Sent&AA0ACg-A1 LOGOUT"},
    {std::string("a\0b", 3), "a&AAA-b"},
    {"", ""},
};

}  // namespace

TEST_CASE("mailbox names encode to the modified UTF-7 of RFC 3501 §5.1.3") {
  for (const auto& name : kNames) {
    const std::string& encoded = name.second;  // named, not bound: CAPTURE needs a variable
    CAPTURE(encoded);
    CHECK(imap::encode_mailbox_name(name.first) == encoded);
  }
}

TEST_CASE("modified UTF-7 names decode back to UTF-8") {
  for (const auto& name : kNames) {
    const std::string& encoded = name.second;
    CAPTURE(encoded);
    CHECK(imap::decode_modified_utf7(encoded) == name.first);
    CHECK(imap::decode_mailbox_name(encoded) == name.first);
  }
}

TEST_CASE("names that break §5.1.3's rules do not decode, and are shown as sent") {
  const std::vector<std::string> invalid = {
      "&Jjo!",               // no shift back to US-ASCII before "!"
      "&U,BTFw-&ZeVnLIqe-",  // a superfluous shift: must be one run "&U,BTF2XlZyyKng-"
      "&AGE-",               // BASE64 for "a", a printable US-ASCII character
      "&ACY-",               // BASE64 for "&" itself
      "&APx-",               // padding bits that are not zero
      "&A-",                 // six bits: not even one UTF-16 unit
      "&AP-",                // twelve bits
      "&2D0-",               // a lone high surrogate
      "&3gA-",               // a lone low surrogate
      "&2D3YPQ-",            // a high surrogate followed by another high surrogate
      "&APw",                // unterminated shift
      "&",                   // "&" at the end
      "&AP/-",               // "/" is not modified BASE64 ("," is)
      "&AP=-",               // no "=" padding
      "Entw\xc3\xbcrfe",     // raw 8-bit bytes (UTF-8 sent by a server in UTF8=ACCEPT mode)
      "tab\there",           // a control character sent raw
  };
  for (const std::string& name : invalid) {
    CAPTURE(name);
    CHECK_FALSE(imap::decode_modified_utf7(name).has_value());
    CHECK(imap::decode_mailbox_name(name) == name);  // shown as the server sent it
  }
}

TEST_CASE("text that is not UTF-8 cannot be encoded") {
  const std::vector<std::string> invalid = {
      "\xc0\x80",          // overlong NUL
      "\xe0\x80\xaf",      // overlong "/"
      "\xed\xa0\x80",      // UTF-16 surrogate written in UTF-8
      "\xf4\x90\x80\x80",  // beyond U+10FFFF
      "\xe2\x82",          // truncated
      "\xff",              // never valid
      "a\x80",             // stray continuation byte
  };
  for (const std::string& text : invalid) {
    CAPTURE(text);
    CHECK_FALSE(imap::encode_mailbox_name(text).has_value());
  }
}

TEST_CASE("every name survives a round trip through modified UTF-7") {
  std::string all_bmp_samples;
  for (char32_t c = 0xa0; c < 0x3000; c += 97) {
    // Three-byte or two-byte UTF-8 of c.
    if (c < 0x800) {
      all_bmp_samples += static_cast<char>(0xc0 | (c >> 6));
    } else {
      all_bmp_samples += static_cast<char>(0xe0 | (c >> 12));
      all_bmp_samples += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    }
    all_bmp_samples += static_cast<char>(0x80 | (c & 0x3f));
    all_bmp_samples += (c % 2 == 0) ? "/" : "";
  }
  for (std::size_t length = 0; length < all_bmp_samples.size(); length += 7) {
    // Cut only at character boundaries.
    std::size_t cut = length;
    while (cut < all_bmp_samples.size() && (all_bmp_samples[cut] & 0xc0) == 0x80) ++cut;
    const std::string name = all_bmp_samples.substr(0, cut);
    const std::optional<std::string> encoded = imap::encode_mailbox_name(name);
    REQUIRE(encoded.has_value());
    CHECK(imap::decode_modified_utf7(*encoded) == name);
  }
}

TEST_CASE("command arguments are atoms when safe and quoted strings otherwise") {
  CHECK(imap::format_astring("INBOX") == "INBOX");
  CHECK(imap::format_astring("[Gmail]/Drafts") == "[Gmail]/Drafts");
  CHECK(imap::format_astring("Entw&APw-rfe") == "Entw&APw-rfe");
  CHECK(imap::format_astring("NIL") == "NIL");  // an astring, never read as NIL
  CHECK(imap::format_astring("") == "\"\"");
  CHECK(imap::format_astring("[Gmail]/Sent Mail") == "\"[Gmail]/Sent Mail\"");
  CHECK(imap::format_astring("*") == "\"*\"");
  CHECK(imap::format_astring("50%") == "\"50%\"");
  CHECK(imap::format_astring("(x)") == "\"(x)\"");
  CHECK(imap::format_astring("{5}") == "\"{5}\"");
  CHECK(imap::format_astring("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(imap::format_astring("back\\slash") == "\"back\\\\slash\"");
}

TEST_CASE("8-bit mailbox names are sent as their modified UTF-7 form") {
  CHECK(imap::format_astring("Entwürfe") == "Entw&APw-rfe");
  CHECK(imap::format_astring("Éléments envoyés") == "\"&AMk-l&AOk-ments envoy&AOk-s\"");
  // The whole name is encoded, "&" included, so that it decodes to what was given.
  CHECK(imap::format_astring("R&D ü") == "\"R&-D &APw-\"");
}

TEST_CASE("a mailbox name with CRLF cannot inject a command") {
  const std::string formatted = imap::format_astring("Sent\r\nA1 LOGOUT");
  CHECK(formatted == "\"Sent&AA0ACg-A1 LOGOUT\"");
  CHECK(formatted.find_first_of("\r\n") == std::string::npos);
  CHECK(imap::format_astring(std::string("a\0b", 3)) == "a&AAA-b");
}

TEST_CASE("an argument that is neither 7-bit text nor UTF-8 is refused") {
  CHECK_THROWS_AS(imap::format_astring("caf\xe9"), std::invalid_argument);
}
