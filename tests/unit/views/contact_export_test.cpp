// The export rows of views/contact_export.h: RFC 4180 quoting vectors, the formula injection
// guard, "First Last" and "Last, First" names (Unicode included), missing times and JSONL nulls.
#include "views/contact_export.h"

#include <doctest/doctest.h>

namespace views = prospectd::views;
using prospectd::store::ContactRow;

namespace {

ContactRow jane() {
  ContactRow contact;
  contact.email = "jane@example.com";
  contact.name = "Jane Doe";
  contact.company = "example.com";
  contact.stage = "prospect";
  contact.thread_count = 3;
  contact.inbound_count = 4;
  contact.outbound_count = 2;
  contact.first_seen = 1700000000;    // 2023-11-14T22:13:20Z
  contact.last_inbound = 1700003600;  // 2023-11-14T23:13:20Z
  contact.last_outbound = 1700000600;
  contact.needs_reply = true;
  return contact;
}

}  // namespace

TEST_CASE("CSV fields are quoted as RFC 4180 asks, and only when needed") {
  CHECK(views::csv_field("") == "");
  CHECK(views::csv_field("plain") == "plain");
  CHECK(views::csv_field("Acme, Inc.") == "\"Acme, Inc.\"");
  CHECK(views::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(views::csv_field("\"") == "\"\"\"\"");
  CHECK(views::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(views::csv_field("two\r\nlines") == "\"two\r\nlines\"");
  CHECK(views::csv_field("J\xC3\xA9r\xC3\xB4me") == "J\xC3\xA9r\xC3\xB4me");  // UTF-8 passes through
  CHECK(views::csv_field("semi;colon and 'single'") == "semi;colon and 'single'");
}

TEST_CASE("a field a spreadsheet would run as a formula is prefixed with a single quote") {
  CHECK(views::csv_field("=1+2") == "'=1+2");
  CHECK(views::csv_field("+1 555 0100") == "'+1 555 0100");
  CHECK(views::csv_field("-2") == "'-2");
  CHECK(views::csv_field("@SUM(A1)") == "'@SUM(A1)");
  CHECK(views::csv_field("\tx") == "'\tx");
  CHECK(views::csv_field("\rx") == "\"'\rx\"");  // guarded, then quoted for the CR
  CHECK(views::csv_field("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  CHECK(views::csv_field("a=b") == "a=b");  // only a leading character matters
  CHECK(views::csv_field(" =1") == " =1");
}

TEST_CASE("display names split into first and last name") {
  const auto split = [](const char* name) {
    const auto person = views::split_person_name(name);
    return person.first + "|" + person.last;
  };
  CHECK(split("Jane Doe") == "Jane|Doe");
  CHECK(split("Jane van der Berg") == "Jane|van der Berg");
  CHECK(split("Doe, Jane") == "Jane|Doe");
  CHECK(split("van der Berg, Anna Maria") == "Anna Maria|van der Berg");
  CHECK(split("\"Doe, Jane\"") == "Jane|Doe");
  CHECK(split("Jane Doe, Jr.") == "Jane|Doe, Jr.");
  CHECK(split("Doe,") == "Doe|");
  CHECK(split("Madonna") == "Madonna|");
  CHECK(split("") == "|");
  CHECK(split("   ") == "|");
  CHECK(split("  Jane \t  Doe  ") == "Jane|Doe");
  CHECK(split("jane@example.com") == "|");
  CHECK(split("J\xC3\xA9r\xC3\xB4me M\xC3\xBCller") == "J\xC3\xA9r\xC3\xB4me|M\xC3\xBCller");
  CHECK(split("\xE5\xB1\xB1\xE7\x94\xB0\xE3\x80\x80\xE5\xA4\xAA\xE9\x83\x8E") ==
        "\xE5\xB1\xB1\xE7\x94\xB0|\xE5\xA4\xAA\xE9\x83\x8E");  // 山田　太郎 (ideographic space)
  CHECK(split("\xCE\x9C\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1") == "\xCE\x9C\xCE\xB1\xCF\x81\xCE\xAF\xCE\xB1|");  // Μαρία
}

TEST_CASE("the CSV header and a row: names split, free-mail company empty, last contact in UTC") {
  CHECK(views::export_preamble(views::ExportFormat::csv) ==
        "email,first name,last name,company,stage,last contacted\r\n");
  CHECK(views::export_line(views::ExportFormat::csv, jane()) ==
        "jane@example.com,Jane,Doe,example.com,prospect,2023-11-14T23:13:20Z\r\n");
  ContactRow free_mail = jane();
  free_mail.email = "doe.family@gmail.com";
  free_mail.name = "Doe, Jane";
  free_mail.company.reset();
  free_mail.last_inbound.reset();
  CHECK(views::export_line(views::ExportFormat::csv, free_mail) ==
        "doe.family@gmail.com,Jane,Doe,,prospect,2023-11-14T22:23:20Z\r\n");
  ContactRow unknown;
  unknown.email = "x@y.example";
  unknown.stage = "lead";
  CHECK(views::export_line(views::ExportFormat::csv, unknown) == "x@y.example,,,,lead,\r\n");
  ContactRow hostile = unknown;
  hostile.name = "=cmd|' /C calc'!A0 Smith";
  hostile.company = "Evil, \"Inc\"";
  CHECK(views::export_line(views::ExportFormat::csv, hostile) ==
        "x@y.example,'=cmd|',/C calc'!A0 Smith,\"Evil, \"\"Inc\"\"\",lead,\r\n");
}

TEST_CASE("last contacted is the latest of last inbound and last outbound") {
  ContactRow contact = jane();
  CHECK(views::last_contacted(contact) == 1700003600);
  contact.last_inbound.reset();
  CHECK(views::last_contacted(contact) == 1700000600);
  contact.last_outbound.reset();
  CHECK(!views::last_contacted(contact));
}

TEST_CASE("a JSON Lines row is one object on one line, null where unknown") {
  const std::string line = views::export_line(views::ExportFormat::jsonl, jane());
  REQUIRE(line.ends_with("\n"));
  CHECK(line.find('\n') == line.size() - 1);
  const auto document = nlohmann::json::parse(line);
  CHECK(document["email"] == "jane@example.com");
  CHECK(document["first_name"] == "Jane");
  CHECK(document["last_name"] == "Doe");
  CHECK(document["name"] == "Jane Doe");
  CHECK(document["company"] == "example.com");
  CHECK(document["stage"] == "prospect");
  CHECK(document["last_contacted"] == "2023-11-14T23:13:20Z");
  CHECK(document["thread_count"] == 3);
  CHECK(document["inbound_count"] == 4);
  CHECK(document["outbound_count"] == 2);
  CHECK(document["first_seen"] == "2023-11-14T22:13:20Z");
  CHECK(document["last_inbound"] == "2023-11-14T23:13:20Z");
  CHECK(document["last_outbound"] == "2023-11-14T22:23:20Z");
  CHECK(document["needs_reply"] == true);
  CHECK(views::export_preamble(views::ExportFormat::jsonl).empty());

  ContactRow unknown;
  unknown.email = "x@y.example";
  unknown.stage = "lead";
  const auto empty = nlohmann::json::parse(views::export_line(views::ExportFormat::jsonl, unknown));
  for (const char* key : {"first_name", "last_name", "name", "company", "last_contacted", "first_seen", "last_inbound",
                          "last_outbound"}) {
    CAPTURE(key);
    CHECK(empty[key].is_null());
  }
  CHECK(empty["needs_reply"] == false);
  CHECK(empty.size() == 14);
}

TEST_CASE("a JSON Lines row survives a name that is not UTF-8") {
  ContactRow contact = jane();
  contact.name = "Bad \xFF Name";
  const std::string line = views::export_line(views::ExportFormat::jsonl, contact);
  CHECK(nlohmann::json::parse(line)["name"] == "Bad \xEF\xBF\xBD Name");
}

TEST_CASE("export formats are csv and jsonl") {
  CHECK(views::export_format_from_string("csv") == views::ExportFormat::csv);
  CHECK(views::export_format_from_string("jsonl") == views::ExportFormat::jsonl);
  CHECK(!views::export_format_from_string("xlsx"));
  CHECK(!views::export_format_from_string("CSV "));
}
