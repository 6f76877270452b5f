// Behaviour of parse_address_list on the address headers sales mail really carries.
// Names are decoded and trimmed, emails kept as written, nothing lost or invented.
#include "connectors/mail/address_list.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connectors/mail/encoded_words.h"

namespace prospectd::connectors::mail {
namespace {

using core::Address;
using List = std::vector<core::Address>;

TEST_CASE("a quoted comma does not split a display name") {
  CHECK(parse_address_list(R"("Müller, Jürgen" <j@x.de>)") == List{{"Müller, Jürgen", "j@x.de"}});
}

TEST_CASE("an ISO-8859-1 encoded word in a display name is decoded to UTF-8") {
  CHECK(parse_address_list("=?iso-8859-1?Q?J=FCrgen?= <j@x.de>") == List{{"Jürgen", "j@x.de"}});
}

TEST_CASE("iso-8859-1 text is read as windows-1252, as the mailers that label it mean it") {
  CHECK(parse_address_list("=?iso-8859-1?Q?=80uro_Team?= <e@x.de>") == List{{"\u20ACuro Team", "e@x.de"}});
}

TEST_CASE("adjacent padded base64 words in a name keep all their text") {
  // GMime 3.2.13 alone returns "Hello" here.
  CHECK(parse_address_list("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?= <a@b.example>") ==
        List{{"Hello world", "a@b.example"}});
}

TEST_CASE("undisclosed recipients are no address") {
  CHECK(parse_address_list("undisclosed-recipients:;").empty());
  CHECK(parse_address_list("Undisclosed recipients").empty());
}

TEST_CASE("an email is kept as written, case and +tag included") {
  CHECK(parse_address_list("Jane.Doe+acme@GMail.com") == List{{"", "Jane.Doe+acme@GMail.com"}});
}

TEST_CASE("a group is flattened into its mailboxes") {
  CHECK(parse_address_list("Team: Ann <ann@x.example>, bob@x.example;, carl@y.example") ==
        List{{"Ann", "ann@x.example"}, {"", "bob@x.example"}, {"", "carl@y.example"}});
}

TEST_CASE("a comment after a bare address is its display name") {
  CHECK(parse_address_list("jdoe@x.example (John Doe)") == List{{"John Doe", "jdoe@x.example"}});
}

TEST_CASE("a name without angle brackets keeps its address") {
  CHECK(parse_address_list("Canonical Patch Queue Manager<pqm@x.example>") ==
        List{{"Canonical Patch Queue Manager", "pqm@x.example"}});
}

TEST_CASE("surrounding quotes and Outlook's single quotes are trimmed from a name") {
  CHECK(parse_address_list(R"('Jane Doe' <jane@x.example>)") == List{{"Jane Doe", "jane@x.example"}});
  CHECK(parse_address_list(R"(=?utf-8?Q?=22Jane_Doe=22?= <jane@x.example>)") == List{{"Jane Doe", "jane@x.example"}});
}

TEST_CASE("folding white space inside a name becomes one space") {
  CHECK(parse_address_list("Jane\r\n\tDoe <jane@x.example>") == List{{"Jane Doe", "jane@x.example"}});
}

TEST_CASE("addresses separated by semicolons are all kept") {
  CHECK(parse_address_list("a@x.example; b@x.example, c@x.example").size() == 3);
}

TEST_CASE("an unclosed comment does not lose the address before it") {
  const List list = parse_address_list("x@y.example, john@x.example (John Doe, a@b.example");
  CHECK(list.size() == 3);
}

TEST_CASE("an address quoted inside a display name is never taken for the address") {
  CHECK(parse_address_list(R"("Reply to fake@evil.example" real@x.example)") == List{{"", "real@x.example"}});
  CHECK(parse_address_list("=?utf-8?B?Sm9lIDxqQGEuY28+?=").empty());  // "Joe <j@a.co>"
  const List spoof = parse_address_list("=?utf-8?Q?ceo_<ceo@corp.example>?= <x@evil.example>");
  REQUIRE(spoof.size() == 1);
  CHECK(spoof[0].email == "x@evil.example");
}

TEST_CASE("NUL bytes do not cut off the addresses after them") {
  const std::string value = std::string("a@x.example,") + '\0' + "b@x.example, C <c@x.example>";
  CHECK(parse_address_list(value).size() == 3);
}

TEST_CASE("raw UTF-8 and invalid bytes in a name come out as valid UTF-8") {
  CHECK(parse_address_list("Jürgen Müller <j@x.de>") == List{{"Jürgen Müller", "j@x.de"}});
  const List latin1 = parse_address_list("J\xFCrgen <j@x.de>");
  REQUIRE(latin1.size() == 1);
  CHECK(latin1[0].name == "Jürgen");
  CHECK(is_valid_utf8(parse_address_list("\xFF\xFE <\xC3(@x.de>, ok@x.de").back().email));
}

TEST_CASE("an invalid encoded word in a name is kept as written") {
  CHECK(parse_address_list("=?utf-8?Q?broken <b@x.example>") == List{{"=?utf-8?Q?broken", "b@x.example"}});
}

TEST_CASE("a To header with 10,000 recipients yields all of them") {
  std::string value;
  for (int i = 0; i < 10000; ++i) {
    if (i > 0) value += ",\r\n ";
    value += "\"Person " + std::to_string(i) + "\" <p" + std::to_string(i) + "@example.com>";
  }
  const List list = parse_address_list(value);
  REQUIRE(list.size() == 10000);
  CHECK(list[9999] == core::Address{"Person 9999", "p9999@example.com"});
}

TEST_CASE("a 1 MB address header is parsed without blowing up") {
  std::string value(1 << 20, 'a');
  value += "@x.example";
  CHECK(parse_address_list(value).size() <= 1);
  const std::string names(1 << 20, ',');
  CHECK(parse_address_list(names).empty());
}

}  // namespace
}  // namespace prospectd::connectors::mail
