// rules::ForgottenAddresses: matching by keyed hash, and stripping forgotten people from new mail.
#include "rules/forgotten.h"

#include <doctest/doctest.h>

namespace prospectd::rules {
namespace {

TEST_CASE("a forgotten address is matched by its keyed hash only, and stripped from every header") {
  const std::string key = "0123456789abcdef";
  const ForgottenAddresses forgotten(key, {ForgottenAddresses::keyed_hash(key, "jane@globex.com")});
  CHECK(forgotten.contains("jane@globex.com"));
  CHECK(!forgotten.contains("bob@globex.com"));
  CHECK(!ForgottenAddresses("another key", {ForgottenAddresses::keyed_hash(key, "jane@globex.com")})
             .contains("jane@globex.com"));
  core::MessageMeta message;
  message.from = {{"Jane", "Jane+crm@Globex.com"}};
  message.to = {{"", "rep@acme.io"}, {"", "jane@globex.com"}};
  message.cc = {{"Bob", "bob@globex.com"}};
  CHECK(forgotten.strip(message) == 2);
  CHECK(message.from.empty());
  CHECK(message.to == std::vector<core::Address>{{"", "rep@acme.io"}});
  CHECK(message.cc.size() == 1);
  CHECK(ForgottenAddresses().strip(message) == 0);
}

}  // namespace
}  // namespace prospectd::rules
