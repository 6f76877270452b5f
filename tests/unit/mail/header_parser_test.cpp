// Behaviour of parse_header_block: a whole header block to MessageMeta.
// Covers every field it fills, the automation markers and the IMAP field list.
#include "connectors/mail/header_parser.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace prospectd::connectors::mail {
namespace {

constexpr std::string_view kReply =
    "Return-Path: <jane@acme.example>\r\n"
    "From: =?utf-8?Q?Jane_D=C3=B6e?= <jane@acme.example>\r\n"
    "To: \"Rep, Sales\" <rep@seller.example>,\r\n"
    " =?iso-8859-1?Q?J=FCrgen?= <j@x.de>\r\n"
    "Cc: undisclosed-recipients:;\r\n"
    "Subject: =?utf-8?B?UmU6IEFuZ2Vib3Q=?=\r\n"
    " =?utf-8?B?IGbDvHIgUTM=?=\r\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    "Message-ID: <reply-1@acme.example>\r\n"
    "In-Reply-To: <offer-1@seller.example>\r\n"
    "References: <intro@seller.example>\r\n"
    " <offer-1@seller.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Body: not a header\r\n";

TEST_CASE("a reply's header block fills every MessageMeta field it names") {
  const core::MessageMeta meta = parse_header_block(kReply);
  CHECK(meta.from == std::vector<core::Address>{{"Jane Döe", "jane@acme.example"}});
  CHECK(meta.to == std::vector<core::Address>{{"Rep, Sales", "rep@seller.example"}, {"Jürgen", "j@x.de"}});
  CHECK(meta.cc.empty());
  CHECK(meta.subject == "Re: Angebot für Q3");
  CHECK(meta.date == 1057049557);
  CHECK(meta.message_id == "reply-1@acme.example");
  CHECK(meta.in_reply_to == "offer-1@seller.example");
  CHECK(meta.references == std::vector<std::string>{"intro@seller.example", "offer-1@seller.example"});
  core::AutomationMarkers markers;
  markers.content_type = "text/plain";
  CHECK(meta.markers == markers);
  CHECK(meta.folder.empty());
  CHECK(meta.source_id.empty());
  CHECK(meta.provider_thread_id.empty());
  CHECK_FALSE(meta.received_at);
  CHECK(meta.snippet.empty());
}

TEST_CASE("automation markers are read trimmed, unfolded and undecoded") {
  const core::MessageMeta meta = parse_header_block(
      "From: MAILER-DAEMON@mx.example\r\n"
      "Auto-Submitted: auto-replied\r\n"
      "Precedence:  bulk \r\n"
      "List-Id: Sales news\r\n <news.acme.example>\r\n"
      "List-Unsubscribe: <mailto:u@acme.example>\r\n"
      "X-Autorespond: yes\r\n"
      "Content-Type: Multipart/Report (bounce);\r\n report-type=delivery-status\r\n");
  CHECK(meta.markers.auto_submitted == "auto-replied");
  CHECK(meta.markers.precedence == "bulk");
  CHECK(meta.markers.list_id == "Sales news <news.acme.example>");
  CHECK(meta.markers.list_unsubscribe == "<mailto:u@acme.example>");
  CHECK(meta.markers.x_autoreply);
  CHECK(meta.markers.content_type == "multipart/report");
}

TEST_CASE("X-Autoreply alone marks an auto-reply") {
  CHECK(parse_header_block("X-Autoreply: yes\r\n").markers.x_autoreply);
  CHECK_FALSE(parse_header_block("Subject: hi\r\n").markers.x_autoreply);
}

TEST_CASE("the first of two From fields wins") {
  const auto meta = parse_header_block("From: real@x.example\r\nFrom: spoof@evil.example\r\n");
  REQUIRE(meta.from.size() == 1);
  CHECK(meta.from[0].email == "real@x.example");
}

TEST_CASE("a missing or broken field leaves its value empty") {
  const auto meta = parse_header_block("Date: whenever\r\nMessage-ID:\r\n");
  CHECK_FALSE(meta.date);
  CHECK(meta.message_id.empty());
  CHECK(meta.subject.empty());
  CHECK(meta.from.empty());
}

TEST_CASE("an IMAP status line inside the header is not a field") {
  const auto meta = parse_header_block("Subject: x\r\nA004 OK done\r\nFrom: a@x.example\r\n");
  CHECK(meta.subject == "x");
  CHECK(meta.from.size() == 1);
}

TEST_CASE("the needed header fields cover everything the parser reads") {
  const auto fields = needed_header_fields();
  for (const std::string_view name : {"FROM", "SENDER", "REPLY-TO", "TO", "CC", "BCC", "DATE", "SUBJECT", "MESSAGE-ID",
                                      "IN-REPLY-TO", "REFERENCES", "AUTO-SUBMITTED", "PRECEDENCE", "LIST-ID",
                                      "LIST-UNSUBSCRIBE", "X-AUTOREPLY", "X-AUTORESPOND", "CONTENT-TYPE"}) {
    CHECK(std::find(fields.begin(), fields.end(), name) != fields.end());
  }
  CHECK(fields.size() == 18);
}

}  // namespace
}  // namespace prospectd::connectors::mail
