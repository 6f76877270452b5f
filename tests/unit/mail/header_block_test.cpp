// Behaviour of split_header_block / find_field: fields, unfolding, the end of the header.
// Garbage lines (an IMAP "A004 OK done", an mbox "From ") are skipped, never fatal.
#include "connectors/mail/header_block.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace prospectd::connectors::mail {
namespace {

using Fields = std::vector<HeaderField>;

TEST_CASE("CRLF and LF line endings give the same fields") {
  const Fields expected = {{"From", "a@x.example"}, {"Subject", "hi"}};
  CHECK(split_header_block("From: a@x.example\r\nSubject: hi\r\n") == expected);
  CHECK(split_header_block("From: a@x.example\nSubject: hi\n") == expected);
  CHECK(split_header_block("From: a@x.example\nSubject: hi") == expected);
}

TEST_CASE("unfolding removes the line break and keeps the white space after it") {
  CHECK(split_header_block("Subject: Hello\r\n    World\r\n")[0].value == "Hello    World");
  CHECK(split_header_block("Subject: Hello\r\n\tWorld\r\n")[0].value == "Hello\tWorld");
}

TEST_CASE("the header ends at the first empty line") {
  const Fields fields = split_header_block("Subject: hi\r\n\r\nFrom: body@x.example\r\n");
  CHECK(fields == Fields{{"Subject", "hi"}});
}

TEST_CASE("a line that is no field is skipped with its continuation lines") {
  const Fields fields = split_header_block(
      "From sender@x.example Tue Jan 1 10:00:00 2024\r\n"
      "Subject: hi\r\n"
      "A004 OK done\r\n"
      " continued garbage\r\n"
      "To: b@x.example\r\n");
  CHECK(fields == Fields{{"Subject", "hi"}, {"To", "b@x.example"}});
}

TEST_CASE("only SP and HTAB continue a line") {
  const Fields fields = split_header_block(
      "X-A: 1\r\n\xC2\xA0"
      "From: evil@x.example\r\n");
  REQUIRE(fields.size() == 2);
  CHECK_FALSE(find_field(fields, "From"));
}

TEST_CASE("a bare CR does not start a new field") {
  const Fields fields = split_header_block("Subject: hello\rBcc: victim@x.example\r\n");
  CHECK(fields == Fields{{"Subject", "hello Bcc: victim@x.example"}});
}

TEST_CASE("white space before the colon is obsolete syntax and still read") {
  CHECK(find_field(split_header_block("Subject : hi\r\n"), "subject") == "hi");
}

TEST_CASE("lookup is case-insensitive and finds the first of duplicated fields") {
  const Fields fields = split_header_block("FROM: first@x.example\r\nfrom: second@x.example\r\n");
  CHECK(find_field(fields, "From") == "first@x.example");
  CHECK_FALSE(find_field(fields, "To"));
}

TEST_CASE("an empty value is a field") { CHECK(split_header_block("Cc:\r\n") == Fields{{"Cc", ""}}); }

TEST_CASE("a 1 MB value and 100,000 folded lines are split in linear time") {
  const std::string big(1 << 20, 'x');
  CHECK(split_header_block("Subject: " + big + "\r\n")[0].value.size() == big.size());
  std::string folded = "References: <0@x>";
  for (int i = 1; i < 100000; ++i) folded += "\r\n <" + std::to_string(i) + "@x>";
  CHECK(split_header_block(folded).size() == 1);
}

}  // namespace
}  // namespace prospectd::connectors::mail
