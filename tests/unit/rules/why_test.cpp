// rules::explain_address: the deciding reason for an address, and the message that shows it.
#include "rules/why.h"

#include <doctest/doctest.h>

namespace prospectd::rules {
namespace {

using core::Direction;

const Identity kIdentity({"rep@acme-sales.com"}, {"acme-sales.com"});
const Blocklist kBlocklist({"spam.example", "blocked@globex.com"});

Appearance seen(std::string id, std::string role, Direction direction, std::string automation = "") {
  return {std::move(id), std::move(role), direction, std::move(automation)};
}

std::string code_of(const WhyAnswer& answer) { return answer.reasons.empty() ? "" : answer.reasons.front().code; }

TEST_CASE("a contact is explained by the first message that made it one") {
  const auto answer = explain_address("jane@globex.com", true,
                                      {seen("bounce@x", "to", Direction::inbound, "content-type: multipart/report"),
                                       seen("hi@x", "from", Direction::inbound)},
                                      kIdentity, kBlocklist);
  CHECK(answer.contact);
  CHECK(code_of(answer) == "contact");
  CHECK(answer.reasons.front().message_id == "hi@x");
  CHECK(answer.reasons.front().detail == "wrote to you");
}

TEST_CASE("who the rep is comes first, then the blocklist") {
  CHECK(code_of(explain_address("rep@acme-sales.com", false, {}, kIdentity, kBlocklist)) == "own_address");
  CHECK(code_of(explain_address("sam@eu.acme-sales.com", false, {}, kIdentity, kBlocklist)) == "internal_domain");
  CHECK(code_of(explain_address("blocked@globex.com", false, {seen("m@x", "from", Direction::inbound)}, kIdentity,
                                kBlocklist)) == "blocked");
  CHECK(code_of(explain_address("anyone@mail.spam.example", false, {}, kIdentity, kBlocklist)) == "blocked");
}

TEST_CASE("automated senders name the marker, and addresses only on automated mail say so") {
  const auto sender =
      explain_address("news@brief.com", false, {seen("n1@x", "from", Direction::inbound, "list-id: <brief.example>")},
                      kIdentity, kBlocklist);
  CHECK(code_of(sender) == "automated_sender");
  CHECK(sender.reasons.front().message_id == "n1@x");
  CHECK(sender.reasons.front().detail == "sends automated mail: list-id: <brief.example>");
  CHECK(code_of(explain_address("noreply@tool.com", false, {seen("t@x", "from", Direction::inbound)}, kIdentity,
                                kBlocklist)) == "automated_sender");
  CHECK(code_of(explain_address("cc@globex.com", false,
                                {seen("a@x", "cc", Direction::inbound, "auto-submitted: auto-replied")}, kIdentity,
                                kBlocklist)) == "only_cc_on_automated");
}

TEST_CASE("an address never in a stored message is never seen") {
  const auto answer = explain_address("ghost@nowhere.example", false, {}, kIdentity, kBlocklist);
  CHECK(!answer.contact);
  CHECK(code_of(answer) == "never_seen");
  CHECK(answer.reasons.front().message_id.empty());
}

}  // namespace
}  // namespace prospectd::rules
