// Behaviour of the Message-ID / In-Reply-To / References parsers used for threading.
// Brackets removed, order kept, duplicates dropped, long lists bounded.
#include "connectors/mail/message_ids.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace prospectd::connectors::mail {
namespace {

using Ids = std::vector<std::string>;

TEST_CASE("a Message-ID comes without its angle brackets") {
  CHECK(parse_message_id("<CAF=abc+x@mail.gmail.com>") == "CAF=abc+x@mail.gmail.com");
  CHECK(parse_message_id("  <a@b> (comment)") == "a@b");
}

TEST_CASE("In-Reply-To takes the first id, and nothing when there is none") {
  CHECK(parse_message_id("<first@x> <second@x>") == "first@x");
  CHECK(parse_message_id("") == "");
  CHECK(parse_message_id("   ") == "");
}

TEST_CASE("a bare id without brackets is still read") {
  CHECK(parse_message_id("bare@id.example") == "bare@id.example");
  CHECK(parse_message_id_list("bare@id.example") == Ids{"bare@id.example"});
}

TEST_CASE("References keep order, lose duplicates and accept folded and glued ids") {
  CHECK(parse_message_id_list("<a@x>\r\n <b@x> <a@x><c@x>") == Ids{"a@x", "b@x", "c@x"});
}

TEST_CASE("References longer than 256 ids keep the most recent 256") {
  std::string value;
  for (int i = 0; i < 1000; ++i) value += "<id" + std::to_string(i) + "@x> ";
  const Ids ids = parse_message_id_list(value);
  REQUIRE(ids.size() == kMaxReferences);
  CHECK(ids.front() == "id744@x");
  CHECK(ids.back() == "id999@x");
}

TEST_CASE("a NUL byte does not end a References list") {
  CHECK(parse_message_id_list(std::string("<a@x>\0<b@x>", 11)) == Ids{"a@x", "b@x"});
}

TEST_CASE("a 1 MB References header is parsed") {
  std::string value;
  while (value.size() < (1 << 20)) value += "<" + std::to_string(value.size()) + "@x> ";
  CHECK(parse_message_id_list(value).size() == kMaxReferences);
}

}  // namespace
}  // namespace prospectd::connectors::mail
