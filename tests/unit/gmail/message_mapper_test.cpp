// Gmail JSON to MessageMeta: own-written responses, the MIT fixtures in tests/data/gmail, and
// the recorded real responses named by PROSPECTD_GMAIL_SAMPLES (checked when set, skipped with a
// notice otherwise: their Elastic-2.0 licence keeps them out of this repository).
#include "connectors/gmail/message_mapper.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "connectors/mail/date.h"

namespace gmail = prospectd::connectors::gmail;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// A folder of recorded Gmail API responses with an index.json (request, query, status, file per
// entry), e.g. the team's shared corpora/gmail/samples. Opt-in: not part of this repository.
fs::path samples_dir() {
  const char* dir = std::getenv("PROSPECTD_GMAIL_SAMPLES");
  return dir ? fs::path(dir) : fs::path();
}

std::string header(const json& message, std::string_view name) {
  for (const auto& h : message["payload"]["headers"]) {
    std::string field = h["name"].get<std::string>();
    for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (field == name) return h["value"].get<std::string>();
  }
  return {};
}

// What every mapped real message must satisfy, whatever its content.
void check_recorded(const json& message, const std::string& where) {
  INFO(where);
  if (gmail::is_ignored(message)) return;
  auto meta = gmail::map_message(message);
  REQUIRE(meta.has_value());
  CHECK(meta->folder == "gmail");
  CHECK(meta->source_id == message["id"].get<std::string>());
  CHECK(meta->provider_thread_id == message["threadId"].get<std::string>());
  REQUIRE(meta->received_at.has_value());
  CHECK(*meta->received_at == std::stoll(message["internalDate"].get<std::string>()) / 1000);
  if (const std::string from = header(message, "from"); from.find('@') != std::string::npos) {
    REQUIRE(!meta->from.empty());
    CHECK(meta->from.front().email.find('@') != std::string::npos);
    CHECK(from.find(meta->from.front().email) != std::string::npos);
  }
  if (const std::string date = header(message, "date"); !date.empty()) {
    REQUIRE(meta->date.has_value());
    // The Date header and Gmail's receipt time of real mail lie within a day of each other.
    CHECK(std::llabs(*meta->date - *meta->received_at) < 86400);
  }
  if (const std::string id = header(message, "message-id"); !id.empty()) {
    CHECK(!meta->message_id.empty());
    CHECK(id.find(meta->message_id) != std::string::npos);
  }
  CHECK(meta->subject.find("=?") == std::string::npos);
}

}  // namespace

TEST_CASE("a metadata message maps headers, thread, internal date and snippet") {
  const json message = json::parse(R"({
    "id": "18c0000000000102", "threadId": "18c0000000000101",
    "labelIds": ["INBOX", "UNREAD"], "snippet": "Can we talk about pricing? I&#39;m &quot;ready&quot; &amp; waiting",
    "historyId": "4242", "internalDate": "1700000123456",
    "payload": {"mimeType": "multipart/alternative", "headers": [
      {"name": "From", "value": "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <Juergen.Mueller+crm@Example.DE>"},
      {"name": "To", "value": "Alex Morgan <rep@acme-sales.com>, bob@example.org"},
      {"name": "Cc", "value": "undisclosed-recipients:;"},
      {"name": "Subject", "value": "Re: Angebot für Q3"},
      {"name": "Date", "value": "Tue, 14 Nov 2023 22:15:20 +0000"},
      {"name": "Message-ID", "value": "<reply-2@example.de>"},
      {"name": "In-Reply-To", "value": "<start-1@acme-sales.com>"},
      {"name": "References", "value": "<start-1@acme-sales.com>\r\n <reply-1@example.de>"},
      {"name": "Content-Type", "value": "multipart/alternative; boundary=x"}]}})");
  auto meta = gmail::map_message(message);
  REQUIRE(meta.has_value());
  CHECK(meta->source_id == "18c0000000000102");
  CHECK(meta->provider_thread_id == "18c0000000000101");
  CHECK(meta->folder == "gmail");
  CHECK(meta->received_at == 1700000123);
  CHECK(meta->date == 1700000120);
  REQUIRE(meta->from.size() == 1);
  CHECK(meta->from[0].name == "Jürgen Müller");
  CHECK(meta->from[0].email == "Juergen.Mueller+crm@Example.DE");
  REQUIRE(meta->to.size() == 2);
  CHECK(meta->to[1].email == "bob@example.org");
  CHECK(meta->cc.empty());
  CHECK(meta->subject == "Re: Angebot für Q3");
  CHECK(meta->message_id == "reply-2@example.de");
  CHECK(meta->in_reply_to == "start-1@acme-sales.com");
  CHECK(meta->references == std::vector<std::string>{"start-1@acme-sales.com", "reply-1@example.de"});
  CHECK(meta->snippet == "Can we talk about pricing? I'm \"ready\" & waiting");
  CHECK(meta->markers.content_type == "multipart/alternative");
}

TEST_CASE("automation markers are read from Gmail headers as from IMAP headers") {
  const json message = json::parse(R"({"id": "a1", "threadId": "a1", "internalDate": "1700000000000",
    "payload": {"headers": [
      {"name": "From", "value": "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
      {"name": "Auto-Submitted", "value": "auto-replied"}, {"name": "Precedence", "value": "bulk"},
      {"name": "List-Id", "value": "<news.example.com>"}, {"name": "List-Unsubscribe", "value": "<mailto:u@example.com>"},
      {"name": "X-Autoreply", "value": "yes"},
      {"name": "Content-Type", "value": "multipart/report; report-type=delivery-status"}]}})");
  auto meta = gmail::map_message(message);
  REQUIRE(meta.has_value());
  CHECK(meta->markers.auto_submitted == "auto-replied");
  CHECK(meta->markers.precedence == "bulk");
  CHECK(meta->markers.list_id == "<news.example.com>");
  CHECK(meta->markers.list_unsubscribe == "<mailto:u@example.com>");
  CHECK(meta->markers.x_autoreply);
  CHECK(meta->markers.content_type == "multipart/report");
}

TEST_CASE("a message without id, threadId or headers is a bad item, not a crash") {
  CHECK(!gmail::map_message(json::parse(R"({"threadId": "t"})")).has_value());
  CHECK(!gmail::map_message(json::parse(R"({"id": "m"})")).has_value());
  CHECK(!gmail::map_message(json::parse(R"({"id": "m", "threadId": "t"})")).has_value());
  CHECK(!gmail::map_message(json::parse(R"([1, 2])")).has_value());
  CHECK(!gmail::map_message(json::parse(R"({"id": 5, "threadId": "t", "payload": {"headers": []}})")).has_value());
}

TEST_CASE("drafts, spam and trash are ignored") {
  CHECK(gmail::is_ignored(json::parse(R"({"labelIds": ["DRAFT"]})")));
  CHECK(gmail::is_ignored(json::parse(R"({"labelIds": ["INBOX", "SPAM"]})")));
  CHECK(gmail::is_ignored(json::parse(R"({"labelIds": ["TRASH"]})")));
  CHECK(!gmail::is_ignored(json::parse(R"({"labelIds": ["SENT", "INBOX"]})")));
  CHECK(!gmail::is_ignored(json::parse(R"({"id": "x"})")));
}

TEST_CASE("snippet entities decode to UTF-8; stray ampersands stay") {
  CHECK(gmail::decode_snippet("a &lt;b&gt; &#8364; &#x1F600; & c &bogus; &#;") ==
        "a <b> \u20ac \U0001F600 & c &bogus; &#;");
}

TEST_CASE("the MIT gmail-api-parse-message fixtures map to the headers they carry") {
  const fs::path dir = fs::path(PROSPECTD_TEST_DATA_DIR) / "gmail";
  const json plain = read_json(dir / "users.messages.get.format-full.plainTextMessage.json");
  auto meta = gmail::map_message(plain);
  REQUIRE(meta.has_value());
  // Lower-case header names ("from", "to", "subject") are found all the same.
  REQUIRE(meta->from.size() == 1);
  CHECK(meta->from[0].email == "example@gmail.com");
  CHECK(meta->subject == "Subject Text");
  CHECK(meta->date == 1451174603);  // Sat, 26 Dec 2015 19:03:23 -0500
  CHECK(meta->received_at == 1451174603);
  CHECK(meta->message_id == "CADsZLRwWjzfYvtqgvJ1qhPN-5H+1dAzDE6AUprSSW+Mi3SnW3A@mail.gmail.com");
  CHECK(meta->snippet == "The actual message text goes here");

  const json draft = read_json(dir / "users.messages.get.format-full.multipartAlternativeDraft.json");
  CHECK(gmail::is_ignored(draft["message"]));

  const json attached =
      read_json(dir / "users.messages.get.format-full.multipartAlternativePlainTextAttachmentMessage.json");
  meta = gmail::map_message(attached);
  REQUIRE(meta.has_value());
  CHECK(meta->provider_thread_id == "156576c760d1bcde");
  CHECK(meta->from[0].name == "example");
  CHECK(meta->date == 1470345541);  // Thu, 4 Aug 2016 14:19:01 -0700
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    json message = read_json(entry.path());
    if (message.contains("message")) message = message["message"];
    check_recorded(message, entry.path().filename().string());
  }
}

TEST_CASE("every recorded real Gmail response in the shared samples maps consistently") {
  const fs::path dir = samples_dir();
  const fs::path index_file = dir / "index.json";
  if (dir.empty() || !fs::exists(index_file)) {
    std::printf(
        "NOTICE: set PROSPECTD_GMAIL_SAMPLES to a folder of recorded Gmail responses (with"
        " index.json) to check them; skipped\n");
    return;
  }
  int messages = 0;
  int threads = 0;
  for (const auto& entry : read_json(index_file)) {
    if (entry["http_status"] != 200) continue;
    const std::string request = entry["request"].get<std::string>();
    if (entry["query"].is_object() && entry["query"].value("format", "") == "minimal") continue;
    const json body = read_json(dir / entry["file"].get<std::string>());
    if (request.find("/messages/") != std::string::npos && request.find("/send") == std::string::npos &&
        request.find("/modify") == std::string::npos && request.find("/trash") == std::string::npos &&
        body.contains("payload")) {
      check_recorded(body, entry["file"].get<std::string>());
      ++messages;
    } else if (request.find("/threads/") != std::string::npos && body.contains("messages")) {
      for (const auto& message : body["messages"]) {
        CHECK(message["threadId"] == body["id"]);
        if (message.contains("payload") && message["payload"].contains("headers")) {
          check_recorded(message, entry["file"].get<std::string>());
        }
      }
      ++threads;
    }
  }
  CHECK(messages >= 100);
  CHECK(threads >= 50);

  // A reply recorded from the real API: In-Reply-To and References point at its parent.
  const json reply = read_json(dir / "nango/users.messages.get.format-metadata/19dda3e42064b8b2.json");
  auto meta = gmail::map_message(reply);
  REQUIRE(meta.has_value());
  CHECK(meta->provider_thread_id == "19dda3e3a25601ee");
  CHECK(meta->in_reply_to == "CAPvkvP60LrwryROvPcVjbEkH+000NZ+D8_Q858k1xQr2_N0+CQ@mail.gmail.com");
  CHECK(meta->references == std::vector<std::string>{meta->in_reply_to});
  CHECK(meta->date == 1777483006);  // Wed, 29 Apr 2026 10:16:46 -0700
  REQUIRE(meta->from.size() == 1);
  CHECK(meta->from[0].email == "api@nango.dev");
}
