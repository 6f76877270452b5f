// Who becomes a contact from one message (ARCHITECTURE.md "Addresses and identities", "Automated mail",
// "Contacts"), with direction and automation decided by the real rules, as the daemon does.
#include "rules/contact_candidates.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rules/automation.h"

namespace prospectd::rules {
namespace {

using core::Address;
using core::MessageMeta;

const Identity& rep() {
  static const Identity identity({"rep@acme-sales.com", "rep@acme.io"}, {"acme-sales.com", "acme.io"});
  return identity;
}

std::vector<std::string> contacts_of(const core::MessageMeta& message, const Blocklist& blocklist = Blocklist()) {
  std::vector<std::string> emails;
  for (const Candidate& candidate : contact_candidates(message, classify_direction(message, rep()),
                                                       automation_reason(message).has_value(), rep(), blocklist)) {
    emails.push_back(candidate.email);
  }
  return emails;
}

core::MessageMeta mail(std::vector<core::Address> from, std::vector<core::Address> to,
                       std::vector<core::Address> cc = {}, std::vector<core::Address> bcc = {}) {
  core::MessageMeta message;
  message.message_id = "m1@example.com";
  message.from = std::move(from);
  message.to = std::move(to);
  message.cc = std::move(cc);
  message.bcc = std::move(bcc);
  message.subject = "Project";
  return message;
}

const core::Address kRep{"Rep", "rep@acme-sales.com"};
const core::Address kJane{"Jane Doe", "jane@globex.com"};

TEST_CASE("the author of a human inbound message becomes a contact") {
  CHECK(contacts_of(mail({kJane}, {kRep})) == std::vector<std::string>{"jane@globex.com"});
}

TEST_CASE("every recipient of an outbound message becomes a contact") {
  const core::MessageMeta message = mail({kRep}, {kJane}, {{"", "bob@initech.com"}}, {{"", "carol@umbrella.org"}});
  CHECK(contacts_of(message) == std::vector<std::string>{"jane@globex.com", "bob@initech.com", "carol@umbrella.org"});
}

TEST_CASE("To and Cc co-recipients of a human inbound message become contacts, Bcc does not") {
  const core::MessageMeta message =
      mail({kJane}, {kRep, {"", "bob@globex.com"}}, {{"", "carol@umbrella.org"}}, {{"", "dave@initech.com"}});
  CHECK(contacts_of(message) == std::vector<std::string>{"jane@globex.com", "bob@globex.com", "carol@umbrella.org"});
}

TEST_CASE("a colleague is never a contact") {
  // Neither as a recipient of our mail, nor as a co-recipient, nor as an author.
  CHECK(contacts_of(mail({kRep}, {{"", "sam@acme-sales.com"}, kJane})) == std::vector<std::string>{"jane@globex.com"});
  CHECK(contacts_of(mail({kJane}, {kRep}, {{"", "Sam@EU.Acme.io"}})) == std::vector<std::string>{"jane@globex.com"});
  CHECK(contacts_of(mail({{"Sam", "sam@acme-sales.com"}}, {kJane})).empty());
}

TEST_CASE("the rep's +tag address is the rep") {
  const core::MessageMeta message = mail({{"Rep", "Rep+Newsletter@ACME.io"}}, {kJane});
  CHECK(classify_direction(message, rep()) == core::Direction::outbound);
  CHECK(contacts_of(message) == std::vector<std::string>{"jane@globex.com"});
  CHECK(contacts_of(mail({kJane}, {{"", "rep+deals@acme-sales.com"}})) == std::vector<std::string>{"jane@globex.com"});
}

TEST_CASE("internal messages make no contacts") {
  CHECK(contacts_of(mail({{"", "sam@acme-sales.com"}}, {kJane, {"", "bob@initech.com"}})).empty());
}

TEST_CASE("an out-of-office reply makes no contact") {
  core::MessageMeta message = mail({kJane}, {kRep}, {{"", "bob@globex.com"}});
  message.subject = "Automatic reply: Project";
  CHECK(contacts_of(message).empty());
  message.subject = "Project";
  message.markers.auto_submitted = "auto-replied";
  CHECK(contacts_of(message).empty());
}

TEST_CASE("a newsletter sender is never a contact") {
  core::MessageMeta message = mail({{"Globex News", "news@globex.com"}}, {kRep});
  message.markers.list_unsubscribe = "<mailto:unsubscribe@globex.com>";
  CHECK(contacts_of(message).empty());
  message.markers = {};
  message.markers.precedence = "bulk";
  CHECK(contacts_of(message).empty());
}

TEST_CASE("a bounce's sender never becomes a contact") {
  core::MessageMeta message = mail({{"Mail Delivery System", "MAILER-DAEMON@globex.com"}}, {kRep});
  message.markers.content_type = "multipart/report";
  CHECK(contacts_of(message).empty());
}

TEST_CASE("a robot address is never a contact, even as a recipient of our mail") {
  const core::MessageMeta message =
      mail({kRep}, {{"", "no-reply@globex.com"}, {"", "Do_Not_Reply@initech.com"}, kJane});
  CHECK(contacts_of(message) == std::vector<std::string>{"jane@globex.com"});
}

TEST_CASE("a blocklisted domain never becomes a contact") {
  const Blocklist blocklist({"globex.com"});
  CHECK(contacts_of(mail({kJane}, {kRep}), blocklist).empty());
  CHECK(contacts_of(mail({kRep}, {{"", "bob@eu.globex.com"}, {"", "carol@initech.com"}}), blocklist) ==
        std::vector<std::string>{"carol@initech.com"});
}

TEST_CASE("a blocklisted address never becomes a contact in any spelling") {
  const Blocklist blocklist({"jane@globex.com"});
  CHECK(contacts_of(mail({{"Jane", "Jane+Sales@Globex.com"}}, {kRep}), blocklist).empty());
  CHECK(contacts_of(mail({kRep}, {kJane, {"", "bob@globex.com"}}), blocklist) ==
        std::vector<std::string>{"bob@globex.com"});
}

TEST_CASE("empty and implausible addresses are never contacts") {
  const core::MessageMeta message = mail({kRep}, {{"", ""},
                                                  {"", "undisclosed-recipients:;"},
                                                  {"", "jane@"},
                                                  {"", "@globex.com"},
                                                  {"", "jane@localhost"},
                                                  {"", "jane@globex..com"},
                                                  {"", "bob@initech.com"}});
  CHECK(contacts_of(message) == std::vector<std::string>{"bob@initech.com"});
}

TEST_CASE("an address listed twice is one candidate, named by the first name given") {
  const core::MessageMeta message =
      mail({kRep}, {{"", "Jane+x@Globex.com"}}, {{"Jane Doe", "jane@globex.com"}}, {{"J. Doe", "JANE@globex.com"}});
  const auto candidates = contact_candidates(message, core::Direction::outbound, false, rep(), Blocklist());
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0] == Candidate{"jane@globex.com", "Jane+x@Globex.com", "Jane Doe"});
}

TEST_CASE("a candidate keeps the spelling it was written in") {
  const auto candidates = contact_candidates(mail({{"", " Jane.Doe+Web@Globex.COM "}}, {kRep}),
                                             core::Direction::inbound, false, rep(), Blocklist());
  REQUIRE(candidates.size() == 1);
  CHECK(candidates[0].email == "jane.doe@globex.com");
  CHECK(candidates[0].raw_email == "Jane.Doe+Web@Globex.COM");
}

TEST_CASE("display names lose client quoting and repeats of the address") {
  CHECK(clean_display_name("  'Jane Doe' ", "jane@globex.com") == "Jane Doe");
  CHECK(clean_display_name("\"Jane Doe\"", "jane@globex.com") == "Jane Doe");
  CHECK(clean_display_name("Jane@Globex.com", "jane@globex.com") == "");
  CHECK(clean_display_name("'jane+x@globex.com'", "jane@globex.com") == "");
  CHECK(clean_display_name("Jördis Müller", "j@globex.com") == "Jördis Müller");
  CHECK(clean_display_name("   ", "j@globex.com") == "");
}

TEST_CASE("a message's direction and automation come from the caller") {
  // The store passes the decisions it recorded; contact_candidates does not redo them.
  const core::MessageMeta message = mail({kJane}, {kRep}, {{"", "bob@initech.com"}});
  CHECK(contact_candidates(message, core::Direction::inbound, true, rep(), Blocklist()).empty());
  CHECK(contact_candidates(message, core::Direction::internal, false, rep(), Blocklist()).empty());
}

}  // namespace
}  // namespace prospectd::rules
