// Behaviour of decode_unstructured (Subject) and of the UTF-8 sanitiser.
// RFC 2047 joining rules, charsets, malformed words, hostile sizes.
#include "connectors/mail/encoded_words.h"

#include <doctest/doctest.h>

#include <string>

namespace prospectd::connectors::mail {
namespace {

TEST_CASE("adjacent encoded words are joined without the space between them") {
  CHECK(decode_unstructured("=?utf-8?Q?Angebot_f=C3=BCr?= =?utf-8?Q?_Acme?=") == "Angebot für Acme");
  CHECK(decode_unstructured("=?UTF-8?B?SGVsbG8=?=\r\n =?UTF-8?B?IHdvcmxk?=") == "Hello world");
}

TEST_CASE("white space between an encoded word and plain text is kept") {
  CHECK(decode_unstructured("Re: =?utf-8?Q?Preis?= heute") == "Re: Preis heute");
}

TEST_CASE("a character split across two encoded words survives") {
  // "ü" is C3 BC: the first word ends after C3.
  CHECK(decode_unstructured("=?utf-8?B?w6Q=?= =?utf-8?Q?=C3?= =?utf-8?Q?=BC?=") == "äü");
}

TEST_CASE("unpadded base64 is decoded") { CHECK(decode_unstructured("=?us-ascii?b?dmk?=") == "vi"); }

TEST_CASE("charsets beyond UTF-8 are converted") {
  CHECK(decode_unstructured("=?gb2312?b?1eLKx9bQzsSy4srUo6E=?=") == "这是中文测试！");
  CHECK(decode_unstructured("=?ISO-8859-15?Q?=A4?=") == "\u20AC");
  CHECK(decode_unstructured("=?iso-8859-1*de?Q?Gr=FC=DFe?=") == "Grüße");  // RFC 2231 *lang
}

TEST_CASE("invalid encoded words are kept as written") {
  CHECK(decode_unstructured("=?utf-8?X?abc?=") == "=?utf-8?X?abc?=");
  CHECK(decode_unstructured("=?utf-8?Q?unterminated") == "=?utf-8?Q?unterminated");
  CHECK(decode_unstructured("price =? 5") == "price =? 5");
}

TEST_CASE("an unknown charset still yields valid UTF-8") {
  CHECK(decode_unstructured("=?x-unknown?Q?caf=E9?=") == "café");
  CHECK(is_valid_utf8(decode_unstructured("=?utf-8?Q?=FF=FE?=")));
}

TEST_CASE("raw UTF-8 passes through and invalid bytes are read as windows-1252") {
  CHECK(decode_unstructured("Grüße aus Köln") == "Grüße aus Köln");
  CHECK(decode_unstructured("Gr\xFC\xDF"
                            "e \x80") == "Grüße €");
}

TEST_CASE("a NUL byte becomes U+FFFD instead of ending the text") {
  CHECK(decode_unstructured(std::string("a\0b", 3)) == "a\uFFFDb");
}

TEST_CASE("the sanitiser rejects overlong forms, surrogates and stray continuation bytes") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK(is_valid_utf8(sanitize_utf8("\xC0\xAF\xED\xA0\x80\x80\x81")));
}

TEST_CASE("a 1 MB subject of encoded-word look-alikes is decoded in linear time") {
  std::string value;
  while (value.size() < (1 << 20)) value += "=?a?q?=?b?";
  CHECK(decode_unstructured(value).size() == value.size());
  std::string words;
  while (words.size() < (1 << 20)) words += "=?utf-8?q?ab?= ";
  CHECK(decode_unstructured(words).size() > 100000);
}

}  // namespace
}  // namespace prospectd::connectors::mail
