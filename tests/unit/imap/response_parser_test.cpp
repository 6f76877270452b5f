// Tests for the streaming IMAP response parser: RFC 3501/6154/7162 vectors, real server
// transcripts and quirks, literal safety, split invariance, size and time bounds, malformed input.
#include "connectors/imap/response_parser.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imap = prospectd::connectors::imap;
using imap::FetchAttribute;
using imap::ProtocolError;
using imap::Response;
using imap::ResponseCode;
using imap::ResponseKind;
using imap::ResponseParser;
using imap::Value;

namespace doctest {
template <>
struct StringMaker<Response> {
  static String convert(const Response& response) { return imap::debug_string(response).c_str(); }
};
template <>
struct StringMaker<Value> {
  static String convert(const Value& value) { return imap::debug_string(value).c_str(); }
};
}  // namespace doctest

namespace {

// ---- building expected values ----------------------------------------------------------------

Value atom(std::string text) { return Value::make_atom(std::move(text)); }
Value num(std::uint64_t n) { return Value::make_number(n); }
Value str(std::string bytes) { return Value::make_string(std::move(bytes)); }
Value nil() { return Value::make_nil(); }
Value list(std::vector<Value> items) { return Value::make_list(std::move(items)); }

Response status(ResponseKind kind, std::string tag, std::string word, std::string text,
                std::optional<ResponseCode> code = std::nullopt) {
  Response response;
  response.kind = kind;
  response.tag = std::move(tag);
  response.status = std::move(word);
  response.text = std::move(text);
  response.code = std::move(code);
  return response;
}

Response tagged(std::string tag, std::string word, std::string text, std::optional<ResponseCode> code = std::nullopt) {
  return status(ResponseKind::tagged, std::move(tag), std::move(word), std::move(text), std::move(code));
}

Response untagged(std::string word, std::string text, std::optional<ResponseCode> code = std::nullopt) {
  return status(ResponseKind::untagged, "", std::move(word), std::move(text), std::move(code));
}

Response numbered(std::uint64_t n, std::string name) {
  Response response;
  response.number = n;
  response.name = std::move(name);
  return response;
}

Response data(std::string name, std::vector<Value> values) {
  Response response;
  response.name = std::move(name);
  response.data = std::move(values);
  return response;
}

Response fetch(std::uint64_t n, std::vector<FetchAttribute> attributes) {
  Response response = numbered(n, "FETCH");
  response.attributes = std::move(attributes);
  return response;
}

Response continuation(std::string text) {
  Response response;
  response.kind = ResponseKind::continuation;
  response.text = std::move(text);
  return response;
}

// "{n}\r\n" + bytes: a literal whose count is right by construction.
std::string literal(std::string_view bytes) {
  return "{" + std::to_string(bytes.size()) + "}\r\n" + std::string(bytes);
}

// ---- feeding ---------------------------------------------------------------------------------

void drain(ResponseParser& parser, std::vector<Response>& out) {
  while (std::optional<Response> response = parser.next()) out.push_back(std::move(*response));
}

// Feeds `stream` in pieces ending at each of `cuts` (ascending) and then the rest.
std::vector<Response> parse_in_pieces(std::string_view stream, const std::vector<std::size_t>& cuts) {
  ResponseParser parser;
  std::vector<Response> out;
  std::size_t done = 0;
  for (const std::size_t cut : cuts) {
    parser.feed(stream.substr(done, cut - done));
    drain(parser, out);
    done = cut;
  }
  parser.feed(stream.substr(done));
  drain(parser, out);
  CHECK_MESSAGE(parser.pending_bytes() == 0, "the stream ends inside a response");
  return out;
}

std::vector<Response> parse_byte_by_byte(std::string_view stream) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  return parse_in_pieces(stream, cuts);
}

// Split offsets to try: all of them for streams up to 16 KiB; for larger ones the first and last
// 4 KiB and every 509th offset between (a 200 KB stream has 200 k offsets, each a full parse).
std::vector<std::size_t> split_offsets(std::size_t size) {
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i <= size; ++i) {
    if (size <= 16384 || i < 4096 || i + 4096 > size || i % 509 == 0) offsets.push_back(i);
  }
  return offsets;
}

// Parses `stream` whole, byte by byte, and split in two at every offset; all must agree.
// Every test below goes through this, so every vector is also a split-invariance test.
std::vector<Response> parse(std::string_view stream) {
  const std::vector<Response> whole = parse_in_pieces(stream, {});
  CHECK(parse_byte_by_byte(stream) == whole);
  for (const std::size_t offset : split_offsets(stream.size())) {
    const std::vector<Response> split = parse_in_pieces(stream, {offset});
    if (split != whole) {
      FAIL_CHECK("split at byte " << offset << " changes the result");
      break;
    }
  }
  return whole;
}

Response parse_one(std::string_view stream) {
  std::vector<Response> responses = parse(stream);
  REQUIRE(responses.size() == 1);
  return responses.front();
}

// Feeds `stream` in pieces ending at `cuts` and drains; returns the error's message.
std::string error_in_pieces(std::string_view stream, const std::vector<std::size_t>& cuts) {
  ResponseParser parser(1024);
  std::vector<Response> ignored;
  std::size_t done = 0;
  try {
    for (const std::size_t cut : cuts) {
      parser.feed(stream.substr(done, cut - done));
      drain(parser, ignored);
      done = cut;
    }
    parser.feed(stream.substr(done));
    drain(parser, ignored);
  } catch (const ProtocolError& error) {
    CHECK_THROWS_AS(parser.next(), ProtocolError);  // stays failed: no resynchronising
    return error.what();
  }
  return "";
}

// `stream` must raise ProtocolError however it is split; returns the message of the whole feed.
std::string protocol_error(std::string_view stream) {
  const std::string message = error_in_pieces(stream, {});
  CHECK_MESSAGE(!message.empty(), "no ProtocolError for: " << stream);
  for (const std::size_t offset : split_offsets(stream.size())) {
    if (error_in_pieces(stream, {offset}).empty()) {
      FAIL_CHECK("no ProtocolError when split at " << offset << ": " << stream);
      break;
    }
  }
  return message;
}

// The capture of a Dovecot 2.3.19 session (Debian 12, CONDSTORE on) against a mailbox made by
// the project's synthetic sales-mailbox generator: login, ENABLE, LIST, STATUS, SELECT,
// UID FETCH of the header fields the sync needs, UID SEARCH, LOGOUT. Verbatim bytes.
constexpr std::string_view kDovecotSession =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
    "AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"
    "a1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY "
    "THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT "
    "CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT "
    "SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in\r\n"
    "* ENABLED CONDSTORE\r\n"
    "a2 OK Enabled (0.001 + 0.000 secs).\r\n"
    "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
    "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
    "a3 OK List completed (0.006 + 0.000 + 0.006 secs).\r\n"
    "* STATUS INBOX (MESSAGES 18 UIDNEXT 19 UIDVALIDITY 1795385860 HIGHESTMODSEQ 2)\r\n"
    "a4 OK Status completed (0.002 + 0.000 + 0.001 secs).\r\n"
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
    "* 18 EXISTS\r\n"
    "* 18 RECENT\r\n"
    "* OK [UIDVALIDITY 1795385860] UIDs valid\r\n"
    "* OK [UIDNEXT 19] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 2] Highest\r\n"
    "a5 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
    "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) INTERNALDATE \"04-Oct-2022 15:55:20 +0000\" "
    "RFC822.SIZE 3902 MODSEQ (2) BODY[HEADER.FIELDS (FROM TO CC DATE SUBJECT MESSAGE-ID "
    "IN-REPLY-TO REFERENCES AUTO-SUBMITTED LIST-ID)] {287}\r\n"
    "From: HubSpot Blog <blog@news.hubspot.example>\r\n"
    "To: Alex Morgan <rep@acme-sales.com>\r\n"
    "Subject: Webinar: the future of sales\r\n"
    "Date: Tue, 04 Oct 2022 15:55:20 +0000\r\n"
    "Message-ID: <B307E0F5.9aa879bb@news.hubspot.example>\r\n"
    "List-Id: HubSpot Blog <hubspot-blog.list-id.news.hubspot.example>\r\n"
    "\r\n"
    ")\r\n"
    "* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) INTERNALDATE \"17-Oct-2022 11:53:52 +0000\" "
    "RFC822.SIZE 1767 MODSEQ (2) BODY[HEADER.FIELDS (FROM TO CC DATE SUBJECT MESSAGE-ID "
    "IN-REPLY-TO REFERENCES AUTO-SUBMITTED LIST-ID)] {200}\r\n"
    "From: Sales Ops <sales-ops@acme-sales.com>\r\n"
    "To: Alex Morgan <rep@acme-sales.com>\r\n"
    "Subject: deal desk approval\r\n"
    "Date: Mon, 17 Oct 2022 11:53:52 +0000\r\n"
    "Message-ID: <0D48E546.8937d298@acme-sales.com>\r\n"
    "\r\n"
    ")\r\n"
    "* 3 FETCH (UID 3 FLAGS (\\Seen \\Recent) INTERNALDATE \"29-Oct-2022 22:29:25 +0000\" "
    "RFC822.SIZE 6165 MODSEQ (2) BODY[HEADER.FIELDS (FROM TO CC DATE SUBJECT MESSAGE-ID "
    "IN-REPLY-TO REFERENCES AUTO-SUBMITTED LIST-ID)] {274}\r\n"
    "From: SaaS Weekly <newsletter@saasweekly.com>\r\n"
    "To: undisclosed-recipients:;\r\n"
    "Subject: Your weekly digest\r\n"
    "Date: Sat, 29 Oct 2022 22:29:25 +0000\r\n"
    "Message-ID: <c70c8892-b463-23d011c37cbc@eurprd04.prod.outlook.com>\r\n"
    "List-Id: SaaS Weekly <saas-weekly.list-id.saasweekly.com>\r\n"
    "\r\n"
    ")\r\n"
    "a6 OK Fetch completed (0.002 + 0.000 + 0.001 secs).\r\n"
    "* SEARCH 18\r\n"
    "a7 OK Search completed (0.001 + 0.000 secs).\r\n"
    "* BYE Logging out\r\n"
    "a8 OK Logout completed (0.001 + 0.000 secs).\r\n";

constexpr std::string_view kDovecotHeaderFields =
    "BODY[HEADER.FIELDS (FROM TO CC DATE SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES "
    "AUTO-SUBMITTED LIST-ID)]";

}  // namespace

// ---- RFC 3501 and extension vectors -----------------------------------------------------------

TEST_CASE("the RFC 3501 §6.3.1 SELECT exchange yields counts, flags and response codes") {
  const std::vector<Response> responses = parse(
      "* 172 EXISTS\r\n"
      "* 1 RECENT\r\n"
      "* OK [UNSEEN 12] Message 12 is first unseen\r\n"
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
      "* OK [UIDNEXT 4392] Predicted next UID\r\n"
      "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
      "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
      "A142 OK [READ-WRITE] SELECT completed\r\n");
  const std::vector<Response> expected = {
      numbered(172, "EXISTS"),
      numbered(1, "RECENT"),
      untagged("OK", "Message 12 is first unseen", ResponseCode{"UNSEEN", "12"}),
      untagged("OK", "UIDs valid", ResponseCode{"UIDVALIDITY", "3857529045"}),
      untagged("OK", "Predicted next UID", ResponseCode{"UIDNEXT", "4392"}),
      data("FLAGS",
           {list({atom("\\Answered"), atom("\\Flagged"), atom("\\Deleted"), atom("\\Seen"), atom("\\Draft")})}),
      untagged("OK", "Limited", ResponseCode{"PERMANENTFLAGS", "(\\Deleted \\Seen \\*)"}),
      tagged("A142", "OK", "SELECT completed", ResponseCode{"READ-WRITE", ""}),
  };
  CHECK(responses == expected);
  CHECK(responses[3].code->number() == 3857529045u);
  CHECK(responses[4].code->number() == 4392u);
  CHECK_FALSE(responses[6].code->number().has_value());
}

TEST_CASE("an RFC 7162 CONDSTORE SELECT reports HIGHESTMODSEQ as a 64-bit response code") {
  const std::vector<Response> responses = parse(
      "* 172 EXISTS\r\n"
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
      "* OK [UIDNEXT 4392] Predicted next UID\r\n"
      "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n"
      "A142 OK [READ-WRITE] SELECT completed, CONDSTORE is now enabled\r\n");
  REQUIRE(responses.size() == 5);
  CHECK(responses[3] == untagged("OK", "Highest", ResponseCode{"HIGHESTMODSEQ", "715194045007"}));
  CHECK(responses[3].code->number() == 715194045007u);
  CHECK(responses[4].text == "SELECT completed, CONDSTORE is now enabled");
}

TEST_CASE("an RFC 7162 FETCH carries MODSEQ as a one-element list") {
  const Response response = parse_one("* 4 FETCH (UID 8 MODSEQ (12121231000) FLAGS (\\Seen))\r\n");
  CHECK(response ==
        fetch(4, {{"UID", num(8)}, {"MODSEQ", list({num(12121231000)})}, {"FLAGS", list({atom("\\Seen")})}}));
  CHECK(response.modseq() == 12121231000u);
  CHECK(response.number_attribute("UID") == 8u);
}

TEST_CASE("the RFC 3501 §8 FETCH with ENVELOPE and BODY parses into nested lists") {
  // §8's sample session, with the line breaks the RFC adds for presentation removed.
  const Response response = parse_one(
      "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 "
      "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and "
      "minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL "
      "\"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
      "((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
      "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
      "\"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" "
      "\"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n");
  const Value gray = list({list({str("Terry Gray"), nil(), str("gray"), str("cac.washington.edu")})});
  const Value envelope = list({
      str("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)"),
      str("IMAP4rev1 WG mtg summary and minutes"),
      gray,
      gray,
      gray,
      list({list({nil(), nil(), str("imap"), str("cac.washington.edu")})}),
      list({list({nil(), nil(), str("minutes"), str("CNRI.Reston.VA.US")}),
            list({str("John Klensin"), nil(), str("KLENSIN"), str("MIT.EDU")})}),
      nil(),
      nil(),
      str("<B27397-0100000@cac.washington.edu>"),
  });
  const Value body = list({str("TEXT"), str("PLAIN"), list({str("CHARSET"), str("US-ASCII")}), nil(), nil(),
                           str("7BIT"), num(3028), num(92)});
  CHECK(response == fetch(12, {{"FLAGS", list({atom("\\Seen")})},
                               {"INTERNALDATE", str("17-Jul-1996 02:44:25 -0700")},
                               {"RFC822.SIZE", num(4286)},
                               {"ENVELOPE", envelope},
                               {"BODY", body}}));
  CHECK(response.string_attribute("internaldate") == "17-Jul-1996 02:44:25 -0700");
}

TEST_CASE("the RFC 3501 §8 BODY[HEADER] literal of 342 octets is taken by its count") {
  const std::string header =
      "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
      "From: Terry Gray <gray@cac.washington.edu>\r\n"
      "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
      "To: imap@cac.washington.edu\r\n"
      "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
      "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
      "\r\n";
  REQUIRE(header.size() == 342);
  const std::vector<Response> responses =
      parse("* 12 FETCH (BODY[HEADER] {342}\r\n" + header + ")\r\na004 OK FETCH completed\r\n");
  REQUIRE(responses.size() == 2);
  CHECK(responses[0] == fetch(12, {{"BODY[HEADER]", str(header)}}));
  CHECK(responses[0].body_section() == header);
  CHECK(responses[1] == tagged("a004", "OK", "FETCH completed"));
}

TEST_CASE("UID FETCH per RFC 3501 §6.4.8 exposes each message's UID and flags") {
  const std::vector<Response> responses = parse(
      "* 23 FETCH (FLAGS (\\Seen) UID 4827313)\r\n"
      "* 24 FETCH (FLAGS (\\Seen) UID 4827943)\r\n"
      "* 25 FETCH (FLAGS (\\Seen) UID 4828442)\r\n"
      "A999 OK UID FETCH completed\r\n");
  REQUIRE(responses.size() == 4);
  CHECK(responses[0].number == 23u);
  CHECK(responses[0].number_attribute("UID") == 4827313u);
  CHECK(responses[2].number_attribute("uid") == 4828442u);
  CHECK(*responses[1].attribute("FLAGS") == list({atom("\\Seen")}));
}

TEST_CASE("a STATUS response (RFC 3501 §6.3.10) yields the mailbox and its counters") {
  const std::vector<Response> responses = parse(
      "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n"
      "A042 OK STATUS completed\r\n");
  REQUIRE(responses.size() == 2);
  CHECK(responses[0] ==
        data("STATUS", {atom("blurdybloop"), list({atom("MESSAGES"), num(231), atom("UIDNEXT"), num(44292)})}));
}

TEST_CASE("LIST responses give flags such as \\Sent (RFC 6154) and bare or quoted names") {
  const std::vector<Response> responses = parse(
      // RFC 6154 §5.1
      "* LIST (\\Marked \\HasNoChildren) \"/\" Inbox\r\n"
      "* LIST (\\Sent \\HasNoChildren) \"/\" SentMail\r\n"
      "* LIST (\\Marked \\Drafts \\HasNoChildren) \"/\" MyDrafts\r\n"
      // RFC 3501 §6.3.8
      "* LIST (\\Noselect) \"/\" \"\"\r\n"
      "* LIST (\\Noselect) \".\" #news.\r\n"
      "* LIST () \"/\" ~/Mail/meetings\r\n"
      "* LIST (\\Noselect) NIL foo\r\n"
      // Gmail
      "* LIST (\\HasNoChildren \\Sent) \"/\" \"[Gmail]/Sent Mail\"\r\n"
      "* LIST (\\All \\HasNoChildren) \"/\" \"[Gmail]/All Mail\"\r\n"
      // wildcards and digits sent bare
      "* LIST () \"/\" foo*%\r\n"
      "* LIST () \"/\" 007\r\n"
      "t1 OK done\r\n");
  REQUIRE(responses.size() == 12);
  CHECK(responses[1] == data("LIST", {list({atom("\\Sent"), atom("\\HasNoChildren")}), str("/"), atom("SentMail")}));
  CHECK(responses[1].data[0].items[0].is_atom("\\sent"));
  CHECK(responses[3] == data("LIST", {list({atom("\\Noselect")}), str("/"), str("")}));
  CHECK(responses[4].data[2] == atom("#news."));
  CHECK(responses[5].data[2] == atom("~/Mail/meetings"));
  CHECK(responses[6].data[1].is_nil());
  CHECK(responses[7].data[2] == str("[Gmail]/Sent Mail"));
  CHECK(responses[8].data[0].items[0] == atom("\\All"));
  CHECK(responses[9].data[2] == atom("foo*%"));
  CHECK(responses[10].data[2].is_number());
  CHECK(responses[10].data[2].astring() == "007");  // the name as sent, not the number 7
}

TEST_CASE("RFC 3501 §7.2-§7.4 data responses keep their tokens") {
  const std::vector<Response> responses = parse(
      "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI XPIG-LATIN\r\n"
      "* SEARCH 2 3 6\r\n"
      "* SEARCH\r\n"
      "* 44 EXPUNGE\r\n"
      "* 23 EXISTS\r\n"
      "* 5 RECENT\r\n"
      "* LSUB () \".\" #news.comp.mail.misc\r\n");
  const std::vector<Response> expected = {
      data("CAPABILITY", {atom("IMAP4rev1"), atom("STARTTLS"), atom("AUTH=GSSAPI"), atom("XPIG-LATIN")}),
      data("SEARCH", {num(2), num(3), num(6)}),
      data("SEARCH", {}),
      numbered(44, "EXPUNGE"),
      numbered(23, "EXISTS"),
      numbered(5, "RECENT"),
      data("LSUB", {list({}), str("."), atom("#news.comp.mail.misc")}),
  };
  CHECK(responses == expected);
}

TEST_CASE("extension data responses: ESEARCH, VANISHED, ENABLED, ID, NAMESPACE") {
  const std::vector<Response> responses = parse(
      "* ESEARCH (TAG \"A282\") UID MIN 2 COUNT 3 ALL 2,10:11\r\n"
      "* VANISHED (EARLIER) 300:310,405,411\r\n"
      "* ENABLED CONDSTORE QRESYNC\r\n"
      "* ID (\"name\" \"Dovecot\")\r\n"
      "* NAMESPACE ((\"\" \"/\")) NIL ((\"#shared/\" \"/\"))\r\n");
  const std::vector<Response> expected = {
      data("ESEARCH", {list({atom("TAG"), str("A282")}), atom("UID"), atom("MIN"), num(2), atom("COUNT"), num(3),
                       atom("ALL"), atom("2,10:11")}),
      data("VANISHED", {list({atom("EARLIER")}), atom("300:310,405,411")}),
      data("ENABLED", {atom("CONDSTORE"), atom("QRESYNC")}),
      data("ID", {list({str("name"), str("Dovecot")})}),
      data("NAMESPACE", {list({list({str(""), str("/")})}), nil(), list({list({str("#shared/"), str("/")})})}),
  };
  CHECK(responses == expected);
}

TEST_CASE("RFC 3501 §7.1 status responses keep their text untokenised") {
  const std::vector<Response> responses = parse(
      "* OK IMAP4rev1 server ready\r\n"
      "* OK [ALERT] System shutdown in 10 minutes\r\n"
      "A001 OK LOGIN Completed\r\n"
      "* NO Disk is 98% full, please delete unnecessary data\r\n"
      "* BAD Command line too long\r\n"
      "* PREAUTH IMAP4rev1 server logged in as Smith\r\n"
      "* BYE Autologout; idle for too long\r\n"
      // Gmail echoes the mailbox name: unbalanced parentheses and quotes are just text.
      "2 OK [READ-WRITE] mailbox) selected. (Success)\r\n"
      "A3 NO [TRYCREATE] can't find \"Archive (old\r\n");
  const std::vector<Response> expected = {
      untagged("OK", "IMAP4rev1 server ready"),
      untagged("OK", "System shutdown in 10 minutes", ResponseCode{"ALERT", ""}),
      tagged("A001", "OK", "LOGIN Completed"),
      untagged("NO", "Disk is 98% full, please delete unnecessary data"),
      untagged("BAD", "Command line too long"),
      untagged("PREAUTH", "IMAP4rev1 server logged in as Smith"),
      untagged("BYE", "Autologout; idle for too long"),
      tagged("2", "OK", "mailbox) selected. (Success)", ResponseCode{"READ-WRITE", ""}),
      tagged("A3", "NO", "can't find \"Archive (old", ResponseCode{"TRYCREATE", ""}),
  };
  CHECK(responses == expected);
}

TEST_CASE("UIDPLUS (RFC 4315) and CAPABILITY response codes keep their raw arguments") {
  const std::vector<Response> responses = parse(
      "A003 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
      "A004 OK [APPENDUID 38505 3955] APPEND completed\r\n"
      "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] ready\r\n");
  REQUIRE(responses.size() == 3);
  CHECK(responses[0].code == ResponseCode{"COPYUID", "38505 304,319:320 3956:3958"});
  CHECK(responses[1].code == ResponseCode{"APPENDUID", "38505 3955"});
  CHECK(responses[2].code == ResponseCode{"CAPABILITY", "IMAP4rev1 LITERAL+ SASL-IR"});
}

TEST_CASE("continuation requests carry their text (RFC 3501 §7.5)") {
  const std::vector<Response> responses = parse(
      "+ Ready for additional command text\r\n"
      "+ idling\r\n"
      "+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGiQgRAtHTEuOP2BXb9sBYFR4SJlDZxmg==\r\n");
  REQUIRE(responses.size() == 3);
  CHECK(responses[0] == continuation("Ready for additional command text"));
  CHECK(responses[1] == continuation("idling"));
  CHECK(responses[2].text.ends_with("mg=="));
}

TEST_CASE("names and statuses are upper-cased, tags and values kept as sent") {
  const std::vector<Response> responses = parse(
      "a1 ok [read-write] done\r\n"
      "* 3 exists\r\n"
      "* capability imap4rev1\r\n"
      "* 1 fetch (uid 5)\r\n");
  REQUIRE(responses.size() == 4);
  CHECK(responses[0] == tagged("a1", "OK", "done", ResponseCode{"READ-WRITE", ""}));
  CHECK(responses[1] == numbered(3, "EXISTS"));
  CHECK(responses[2] == data("CAPABILITY", {atom("imap4rev1")}));
  CHECK(responses[3] == fetch(1, {{"uid", num(5)}}));
  CHECK(responses[3].number_attribute("UID") == 5u);
}

// ---- real servers ----------------------------------------------------------------------------

TEST_CASE("a captured Dovecot 2.3 session with UID FETCH header literals parses end to end") {
  const std::vector<Response> responses = parse(kDovecotSession);
  REQUIRE(responses.size() == 25);

  CHECK(responses[0].code->name == "CAPABILITY");
  CHECK(responses[0].text == "Dovecot (Debian) ready.");
  CHECK(responses[1].tag == "a1");
  CHECK(responses[1].code->args.ends_with("NOTIFY SPECIAL-USE"));
  CHECK(responses[2] == data("ENABLED", {atom("CONDSTORE")}));
  CHECK(responses[4] == data("LIST", {list({atom("\\HasNoChildren"), atom("\\Sent")}), str("/"), atom("Sent")}));
  CHECK(responses[7] ==
        data("STATUS", {atom("INBOX"), list({atom("MESSAGES"), num(18), atom("UIDNEXT"), num(19), atom("UIDVALIDITY"),
                                             num(1795385860), atom("HIGHESTMODSEQ"), num(2)})}));
  CHECK(responses[10].code == ResponseCode{"PERMANENTFLAGS", "(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)"});
  CHECK(responses[11] == numbered(18, "EXISTS"));
  CHECK(responses[13].code->number() == 1795385860u);
  CHECK(responses[14].code->number() == 19u);
  CHECK(responses[15].code->number() == 2u);

  const Response& first = responses[17];
  CHECK(first.is_fetch());
  CHECK(first.number == 1u);
  CHECK(first.number_attribute("UID") == 1u);
  CHECK(first.modseq() == 2u);
  CHECK(first.number_attribute("RFC822.SIZE") == 3902u);
  CHECK(first.string_attribute("INTERNALDATE") == "04-Oct-2022 15:55:20 +0000");
  CHECK(*first.attribute("FLAGS") == list({atom("\\Seen"), atom("\\Recent")}));
  REQUIRE(first.attribute_with_prefix("BODY[") != nullptr);
  CHECK(first.attribute_with_prefix("BODY[")->name == kDovecotHeaderFields);
  const std::optional<std::string_view> header = first.body_section();
  REQUIRE(header.has_value());
  CHECK(header->size() == 287);
  CHECK(header->starts_with("From: HubSpot Blog <blog@news.hubspot.example>\r\n"));
  CHECK(
      header->ends_with("List-Id: HubSpot Blog <hubspot-blog.list-id.news.hubspot.example>"
                        "\r\n\r\n"));

  CHECK(responses[18].number_attribute("UID") == 2u);
  CHECK(responses[18].body_section()->size() == 200);
  CHECK(responses[19].body_section()->size() == 274);
  CHECK(responses[20] == tagged("a6", "OK", "Fetch completed (0.002 + 0.000 + 0.001 secs)."));
  CHECK(responses[21] == data("SEARCH", {num(18)}));
  CHECK(responses[23] == untagged("BYE", "Logging out"));
  CHECK(responses[24].tag == "a8");
}

TEST_CASE("Gmail's X-GM-THRID, X-GM-MSGID and X-GM-LABELS are read from FETCH") {
  const std::string header = "From: Jane Doe <jane@example.com>\r\nSubject: Re: pricing\r\n\r\n";
  const Response response = parse_one(
      "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334866 "
      "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 MODSEQ (1254) "
      "BODY[HEADER.FIELDS (FROM SUBJECT)] " +
      literal(header) + ")\r\n");
  CHECK(response.number_attribute("X-GM-THRID") == 1278455344230334865u);
  CHECK(response.number_attribute("x-gm-msgid") == 1278455344230334866u);
  CHECK(*response.attribute("X-GM-LABELS") ==
        list({atom("\\Inbox"), atom("\\Sent"), atom("Important"), str("Muy Importante")}));
  CHECK(response.number_attribute("UID") == 4u);
  CHECK(response.modseq() == 1254u);
  CHECK(response.body_section() == header);
}

TEST_CASE("server quirks seen in the wild are accepted") {
  SUBCASE("Yandex: a continuation request without the SP and text") { CHECK(parse_one("+\r\n") == continuation("")); }
  SUBCASE("iCloud: BYE without text") { CHECK(parse_one("* BYE\r\n") == untagged("BYE", "")); }
  SUBCASE("Gmail: a response code and no text") {
    CHECK(parse_one("* OK [HIGHESTMODSEQ 13637]\r\n") == untagged("OK", "", ResponseCode{"HIGHESTMODSEQ", "13637"}));
  }
  SUBCASE("Yahoo and GreenMail: a SP at the end of SEARCH") {
    CHECK(parse_one("* SEARCH 169654 169655 \r\n") == data("SEARCH", {num(169654), num(169655)}));
    CHECK(parse_one("* SEARCH \r\n") == data("SEARCH", {}));
  }
  SUBCASE("imap.qq.com: a SP before the closing parenthesis of FETCH") {
    CHECK(parse_one("* 11487 FETCH (UID 19436 )\r\n") == fetch(11487, {{"UID", num(19436)}}));
  }
  SUBCASE("outlook.com: a SP between addresses, which RFC 3501 writes without one") {
    const Response with_space = parse_one(
        "* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL ((NIL NIL \"a\" \"x.test\") (NIL NIL \"b\" "
        "\"x.test\")) NIL NIL NIL NIL))\r\n");
    const Response without = parse_one(
        "* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL ((NIL NIL \"a\" \"x.test\")(NIL NIL \"b\" "
        "\"x.test\")) NIL NIL NIL NIL))\r\n");
    CHECK(with_space == without);
    CHECK(with_space.attribute("ENVELOPE")->items[5].items.size() == 2);
  }
  SUBCASE("Exchange: a response code that is not one is left in the text") {
    const Response response = parse_one(
        "RUBY0001 OK [Error=\"Microsoft.Exchange.Data.Storage.WrongServerException: Cross Server "
        "access is not allowed\" Proxy=X.PROD.OUTLOOK.COM:1993:SSL Service=Imap4] AUTHENTICATE "
        "completed.\r\n");
    CHECK_FALSE(response.code.has_value());
    CHECK(response.text.starts_with("[Error=\"Microsoft"));
    CHECK(response.text.ends_with("] AUTHENTICATE completed."));
  }
  SUBCASE("malformed codes stay text, as Mark Crispin ruled for RFC 3501") {
    CHECK(parse_one("* NO [TRYCREATE\r\n") == untagged("NO", "[TRYCREATE"));
    CHECK(parse_one("* NO [FOO(BAR)] x\r\n") == untagged("NO", "[FOO(BAR)] x"));
    CHECK(parse_one("* NO []x\r\n") == untagged("NO", "[]x"));
  }
  SUBCASE("Gmail keywords with unescaped label names, and GreenMail's \\* in FLAGS") {
    CHECK(parse_one("* FLAGS (Junk OIB-Seen-[Google Mail]/Alle Nachrichten x[y \\*)\r\n") ==
          data("FLAGS", {list({atom("Junk"), atom("OIB-Seen-[Google Mail]/Alle"), atom("Nachrichten"), atom("x[y"),
                               atom("\\*")})}));
  }
  SUBCASE("Dovecot: -1 where a number belongs is an atom, not an error") {
    CHECK(parse_one("* 1 FETCH (X -1)\r\n") == fetch(1, {{"X", atom("-1")}}));
  }
  SUBCASE("UTF-8 in quoted strings and in status text (RFC 6855)") {
    CHECK(parse_one("E4 OK [READ-ONLY] [Gmail]/已加星标 selected. (Success)\r\n").text ==
          "[Gmail]/已加星标 selected. (Success)");
    CHECK(parse_one("* LIST () \"/\" \"Entwürfe\"\r\n").data[2] == str("Entwürfe"));
  }
}

// ---- literals --------------------------------------------------------------------------------

TEST_CASE("a header line that looks like a tagged OK does not end the fetch") {
  const std::string header =
      "Subject: meeting notes\r\n"
      "A004 OK done\r\n"
      "* 3 EXISTS\r\n"
      "+ go ahead\r\n"
      "A004 OK FETCH completed\r\n"
      "\r\n";
  const std::vector<Response> responses =
      parse("* 1 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT)] " + literal(header) + ")\r\nA004 OK FETCH completed\r\n");
  REQUIRE(responses.size() == 2);
  CHECK(responses[0] == fetch(1, {{"UID", num(7)}, {"BODY[HEADER.FIELDS (SUBJECT)]", str(header)}}));
  CHECK(responses[1] == tagged("A004", "OK", "FETCH completed"));
}

TEST_CASE("a literal may hold NUL bytes, bare CR and LF, and what looks like a literal") {
  const char raw[] = "a\0b\rc\nd\r\n{5}\r\n* 1 FETCH (\r\n\"";
  const std::string bytes(raw, sizeof(raw) - 1);
  const Response response = parse_one("* 2 FETCH (BODY[] " + literal(bytes) + " UID 9)\r\n");
  CHECK(response.body_section() == bytes);
  CHECK(response.number_attribute("UID") == 9u);
}

TEST_CASE("status text ending in a literal marker is text, not a literal") {
  const std::vector<Response> responses = parse(
      "A1 NO [TRYCREATE] no mailbox {5}\r\n"
      "* OK still {3}\r\n"
      "+ send {2}\r\n"
      "A2 OK done\r\n");
  REQUIRE(responses.size() == 4);
  CHECK(responses[0].text == "no mailbox {5}");
  CHECK(responses[1].text == "still {3}");
  CHECK(responses[2] == continuation("send {2}"));
  CHECK(responses[3] == tagged("A2", "OK", "done"));
}

TEST_CASE("LITERAL+ {n+}, BINARY ~{n} and empty {0} literals are read by octet count") {
  const std::string binary("\0\1\2\3", 4);
  const std::vector<Response> responses = parse(
      "* 1 FETCH (BODY[1] {3+}\r\nabc)\r\n"
      "* 2 FETCH (BINARY[1] ~{4}\r\n" +
      binary +
      " BINARY.SIZE[1] 4)\r\n"
      "* 3 FETCH (BODY[HEADER.FIELDS (X-NONE)] {0}\r\n)\r\n"
      "* 4 FETCH (BODY[]<0> {2}\r\nhi BODY[TEXT] NIL)\r\n");
  REQUIRE(responses.size() == 4);
  CHECK(responses[0] == fetch(1, {{"BODY[1]", str("abc")}}));
  CHECK(responses[1] == fetch(2, {{"BINARY[1]", str(binary)}, {"BINARY.SIZE[1]", num(4)}}));
  CHECK(responses[2].body_section() == "");
  CHECK(responses[3] == fetch(4, {{"BODY[]<0>", str("hi")}, {"BODY[TEXT]", nil()}}));
  CHECK_FALSE(responses[3].body_section("BODY[TEXT]").has_value());
}

TEST_CASE("several literals in one response, one ending a line and the next starting one") {
  const Response response = parse_one("* 5 FETCH (BODY[1] " + literal("one\r\n") + " BODY[2] " + literal("two") +
                                      " ENVELOPE (" + literal("s") + " " + literal("t") + "))\r\n");
  CHECK(response ==
        fetch(5, {{"BODY[1]", str("one\r\n")}, {"BODY[2]", str("two")}, {"ENVELOPE", list({str("s"), str("t")})}}));
}

TEST_CASE("a 200 KB References header arrives intact, whole, split or byte by byte") {
  std::string header = "Message-ID: <final@example.com>\r\nReferences:";
  for (int i = 0; header.size() < 200 * 1024; ++i) {
    header += " <thread-" + std::to_string(i) + ".deadbeef@mail.example.com>\r\n";
  }
  header += "\r\n";
  const std::vector<Response> responses =
      parse("* 9 FETCH (UID 99 BODY[HEADER.FIELDS (MESSAGE-ID REFERENCES)] " + literal(header) + ")\r\nA7 OK done\r\n");
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].body_section() == header);
  CHECK(responses[1].tag == "A7");
}

TEST_CASE("atoms keep bracketed sections and partial suffixes whole") {
  const Response response = parse_one(
      "* 1 FETCH (BODY[HEADER.FIELDS (FROM TO)]<0> {1}\r\nx "
      "BODY[HEADER.FIELDS.NOT (\"X-]\" RECEIVED)] NIL BODY[1.2.MIME] \"m\" BINARY.SIZE[3] 42)\r\n");
  CHECK(response == fetch(1, {{"BODY[HEADER.FIELDS (FROM TO)]<0>", str("x")},
                              {"BODY[HEADER.FIELDS.NOT (\"X-]\" RECEIVED)]", nil()},
                              {"BODY[1.2.MIME]", str("m")},
                              {"BINARY.SIZE[3]", num(42)}}));
}

TEST_CASE("quoted strings unescape \\\\ and \\\" and keep everything else") {
  CHECK(parse_one("* LIST () \"/\" \"a\\\\b \\\"c\\\" (d\"\r\n").data[2] == str("a\\b \"c\" (d"));
}

TEST_CASE("BODYSTRUCTURE parts follow each other without a SP, as RFC 3501 §9 writes them") {
  const Response response = parse_one(
      "* 3 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 10 "
      "1)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 20 2) \"ALTERNATIVE\"))\r\n");
  const Value* structure = response.attribute("BODYSTRUCTURE");
  REQUIRE(structure != nullptr);
  REQUIRE(structure->items.size() == 3);
  CHECK(structure->items[1].items[1] == str("HTML"));
  CHECK(structure->items[2] == str("ALTERNATIVE"));
}

TEST_CASE("numbers are unsigned 64-bit; anything larger is an error") {
  CHECK(parse_one("* SEARCH 18446744073709551615\r\n").data[0] == num(18446744073709551615u));
  CHECK(protocol_error("* SEARCH 18446744073709551616\r\n").find("64 bits") != std::string::npos);
}

// ---- FETCH helpers ---------------------------------------------------------------------------

TEST_CASE("FETCH helpers return nothing for absent items or items of another shape") {
  const Response response = parse_one("* 1 FETCH (UID \"7\" MODSEQ 5 INTERNALDATE NIL BODY[HEADER] NIL)\r\n");
  CHECK_FALSE(response.number_attribute("UID").has_value());
  CHECK_FALSE(response.modseq().has_value());
  CHECK_FALSE(response.string_attribute("INTERNALDATE").has_value());
  CHECK_FALSE(response.body_section().has_value());
  CHECK(response.attribute("X-GM-THRID") == nullptr);
  CHECK(response.attribute_with_prefix("BINARY[") == nullptr);
  CHECK_FALSE(parse_one("* 1 FETCH (MODSEQ (1 2))\r\n").modseq().has_value());
  CHECK(parse_one("* 2 EXISTS\r\n").attribute("UID") == nullptr);
}

TEST_CASE("debug_string renders responses on one line with bytes escaped") {
  CHECK(imap::debug_string(parse_one("* 1 FETCH (UID 2 BODY[] {3}\r\na\r\n)\r\n")) ==
        "untagged 1 FETCH UID 2 BODY[] \"a\\r\\n\"");
  CHECK(imap::debug_string(parse_one("A1 OK [UIDNEXT 5] \"done\"\r\n")) == "tagged A1 OK [UIDNEXT 5] \"\\\"done\\\"\"");
}

// ---- malformed input -------------------------------------------------------------------------

TEST_CASE("malformed responses raise ProtocolError however they are split, never crash or hang") {
  const std::vector<std::string> malformed = {
      "* OK hello\n",                                                   // bare LF
      "\n",                                                             // bare LF alone
      "* SEARCH 1\r2\r\n",                                              // bare CR in data
      "* OK a\rb\r\n",                                                  // bare CR in text
      "\r\n",                                                           // empty line
      "*\r\n",                                                          // nothing after *
      "* \r\n",                                                         // no name
      "A1\r\n",                                                         // tag alone
      "A1 BYE later\r\n",                                               // tagged responses are OK/NO/BAD only
      "A1 FOO bar\r\n",                                                 //
      "A+1 OK x\r\n",                                                   // + in a tag
      "A(1 OK x\r\n",                                                   // ( in a tag
      "+x\r\n",                                                         // continuation without SP
      "* 5\r\n",                                                        // number without a name
      "* 99999999999999999999 EXISTS\r\n",                              // number overflow
      "* 1 FETCH UID 1\r\n",                                            // FETCH without a list
      "* 1 FETCH (UID)\r\n",                                            // item without a value
      "* 1 FETCH (1 2)\r\n",                                            // item name not an atom
      "* 1 FETCH (UID 1) x\r\n",                                        // data after the list
      "* 1 FETCH (UID 1\r\n",                                           // unclosed list
      "* SEARCH 1)\r\n",                                                // stray )
      "* SEARCH 1  2\r\n",                                              // two SPs
      "* 1 FETCH ( UID 1)\r\n",                                         // SP after (
      "* LIST () \"/\" \"abc\r\n",                                      // unterminated quoted
      "* LIST () \"/\" \"a\\b\"\r\n",                                   // invalid escape
      "* LIST () \"/\" \"a\\\r\n",                                      // escape before CRLF
      "* X {3}abc\r\n",                                                 // literal count without CRLF
      "* X {3} \r\n",                                                   // SP after the count
      "* X {}\r\n",                                                     // no count
      "* X {3\r\n",                                                     // unclosed count
      "* X \"a\"\"b\"\r\n",                                             // no SP between strings
      "* X a\"b\"\r\n",                                                 // quote inside an atom
      "* X caf\xc3\xa9\r\n",                                            // 8-bit atom
      "* X a\x01\r\n",                                                  // control byte
      "* 1 FETCH (BODY[HEADER.FIELDS ({4}\r\nFROM)] NIL)\r\n",          // literal inside a section
      std::string("* OK a\0b\r\n", 10),                                 // NUL in text
      std::string("* X \"a\0b\"\r\n", 11),                              // NUL in quoted
      "* X " + std::string(300, '(') + std::string(300, ')') + "\r\n",  // nested too deep
      "* 1 FETCH (UID 1 {2}\r\nab\r\n",                                 // literal then garbage (not SP or ")")
  };
  for (const std::string& stream : malformed) {
    CAPTURE(stream);
    const std::string message = protocol_error(stream);
    CHECK(message.find("IMAP protocol error at stream byte") != std::string::npos);
  }
}

TEST_CASE("a ProtocolError says what and where") {
  ResponseParser parser;
  parser.feed("A1 OK fine\r\n* SEARCH 1  2\r\n");
  CHECK(parser.next().has_value());
  try {
    (void)parser.next();
    FAIL("expected a ProtocolError");
  } catch (const ProtocolError& error) {
    CHECK(error.stream_offset() == 12 + 11);
    CHECK(std::string(error.what()).find("SP") != std::string::npos);
    CHECK(std::string(error.what()).find("at \" 2\\r\\n\"") != std::string::npos);
  }
}

TEST_CASE("an incomplete response is not an error: it waits for more bytes") {
  ResponseParser parser;
  parser.feed("* 1 FETCH (BODY[] {10}\r\nabc");
  CHECK_FALSE(parser.next().has_value());
  CHECK_FALSE(parser.next().has_value());
  parser.feed("defghij)\r");
  CHECK_FALSE(parser.next().has_value());
  parser.feed("\n");
  CHECK(parser.next()->body_section() == "abcdefghij");
  CHECK(parser.pending_bytes() == 0);
}

// ---- size, memory and time bounds ------------------------------------------------------------

TEST_CASE("a response larger than the maximum is rejected before it is buffered") {
  SUBCASE("a literal announced beyond the limit fails at once, without its bytes") {
    ResponseParser parser(1024);
    parser.feed("* 1 FETCH (BODY[] {2000}\r\n");
    CHECK_THROWS_WITH_AS(parser.next(), doctest::Contains("larger than 1024 bytes"), ProtocolError);
  }
  SUBCASE("an absurd count fails at once") {
    ResponseParser parser;
    parser.feed("* 1 FETCH (BODY[] {99999999999999999999999}\r\n");
    CHECK_THROWS_AS(parser.next(), ProtocolError);
  }
  SUBCASE("a line that never ends fails once it passes the limit") {
    ResponseParser parser(1024);
    parser.feed("* SEARCH");
    CHECK_FALSE(parser.next().has_value());
    for (int i = 0; i < 300; ++i) parser.feed(" 1234");
    CHECK_THROWS_WITH_AS(parser.next(), doctest::Contains("maximum of 1024 bytes"), ProtocolError);
  }
  SUBCASE("a response of exactly the limit is accepted") {
    const std::string head = "* 1 FETCH (BODY[] {";
    const std::size_t limit = 1024;
    const std::size_t content = limit - head.size() - std::string("999}\r\n)\r\n").size();
    const std::string stream = head + std::to_string(content) + "}\r\n" + std::string(content, 'x') + ")\r\n";
    REQUIRE(stream.size() == limit);
    ResponseParser parser(limit);
    parser.feed(stream);
    CHECK(parser.next()->body_section()->size() == content);
    ResponseParser smaller(limit - 1);
    smaller.feed(stream);
    CHECK_THROWS_AS(smaller.next(), ProtocolError);
  }
}

TEST_CASE("memory does not grow with the number of responses") {
  ResponseParser parser;
  const std::string one =
      "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM)] " + literal("From: a@b.example\r\n\r\n") + ")\r\n";
  std::string chunk;
  while (chunk.size() < 16384) chunk += one;
  std::size_t count = 0;
  std::size_t most_held = 0;
  for (int round = 0; round < 600; ++round) {
    // Feed at an offset that drifts, so responses straddle the pieces.
    const std::size_t cut = (round * 37) % chunk.size();
    parser.feed(std::string_view(chunk).substr(0, cut));
    while (parser.next()) ++count;
    parser.feed(std::string_view(chunk).substr(cut));
    while (parser.next()) ++count;
    most_held = std::max(most_held, parser.held_bytes());
  }
  CHECK(count == 600 * (chunk.size() / one.size()));
  CHECK(parser.pending_bytes() == 0);
  CHECK(most_held <= 3 * chunk.size());
  CHECK(parser.bytes_consumed() == 600 * chunk.size());
}

TEST_CASE("a 50 MB literal arriving in 16 KB pieces costs no more than one arriving whole") {
  const std::size_t size = 50u << 20;
  const std::string head = "* 1 FETCH (UID 5 BODY[] {" + std::to_string(size) + "}\r\n";
  std::string content(size, 'x');
  for (std::size_t i = 0; i < size; i += 1000) content.replace(i, 14, "\r\nA1 OK done\r\n");
  const std::string stream = head + content + ")\r\nA1 OK done\r\n";
  using Clock = std::chrono::steady_clock;

  const auto whole_start = Clock::now();
  ResponseParser whole;
  whole.feed(stream);
  CHECK(whole.next()->body_section()->size() == size);
  const auto whole_time = Clock::now() - whole_start;

  const auto pieces_start = Clock::now();
  ResponseParser pieces;
  std::size_t responses = 0;
  for (std::size_t i = 0; i < stream.size(); i += 16384) {
    pieces.feed(std::string_view(stream).substr(i, 16384));
    while (std::optional<Response> response = pieces.next()) {
      if (++responses == 1) CHECK(response->body_section() == content);
    }
  }
  const auto pieces_time = Clock::now() - pieces_start;
  CHECK(responses == 2);
  // Re-scanning the buffer for each of the 3200 pieces would cost ~3200/2 times the whole feed.
  CHECK(pieces_time < 10 * whole_time + std::chrono::seconds(1));
}
