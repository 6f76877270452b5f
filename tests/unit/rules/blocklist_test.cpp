// The blocklist: addresses in any spelling, domains with their subdomains, junk entries reported.
#include "rules/blocklist.h"

#include <doctest/doctest.h>

#include "rules/canonical_address.h"

namespace prospectd::rules {
namespace {

bool blocked(const Blocklist& blocklist, std::string_view raw) { return blocklist.blocks(canonical_address(raw)); }

TEST_CASE("a blocked address is blocked in every spelling") {
  const Blocklist blocklist({"Jane.Doe+news@Example.com"});
  CHECK(blocked(blocklist, "jane.doe@example.com"));
  CHECK(blocked(blocklist, "JANE.DOE+other@EXAMPLE.COM"));
  CHECK_FALSE(blocked(blocklist, "john@example.com"));
}

TEST_CASE("a blocked domain blocks its subdomains but not look-alike domains") {
  const Blocklist blocklist({"example.com"});
  CHECK(blocked(blocklist, "anyone@example.com"));
  CHECK(blocked(blocklist, "anyone@mail.eu.example.com"));
  CHECK_FALSE(blocked(blocklist, "anyone@notexample.com"));
  CHECK_FALSE(blocked(blocklist, "anyone@example.com.evil.org"));
}

TEST_CASE("domain entries may be written with @, *@, . or *. in front") {
  for (const char* entry : {"@Example.com", "*@example.com", ".example.com", "*.example.com", " example.com. "}) {
    CAPTURE(entry);
    const Blocklist blocklist({entry});
    CHECK(blocked(blocklist, "x@example.com"));
    CHECK(blocked(blocklist, "x@sub.example.com"));
    CHECK(blocklist.rejected().empty());
  }
}

TEST_CASE("entries that are neither an address nor a domain are reported, blanks skipped") {
  const Blocklist blocklist({"", "   ", "@", "jane@", "not an entry", "ok.example"});
  CHECK(blocklist.rejected() == std::vector<std::string>{"@", "jane@", "not an entry"});
  CHECK(blocked(blocklist, "a@ok.example"));
}

TEST_CASE("an empty blocklist blocks nothing") {
  const Blocklist blocklist;
  CHECK_FALSE(blocked(blocklist, "jane@example.com"));
  CHECK_FALSE(blocklist.blocks(""));
}

}  // namespace
}  // namespace prospectd::rules
