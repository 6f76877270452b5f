// Companies from domains: free-mail providers have none (ARCHITECTURE.md "Contacts"), and names read
// like a company.
#include "rules/company.h"

#include <doctest/doctest.h>

namespace prospectd::rules {
namespace {

TEST_CASE("a free-mail contact has no company") {
  for (const char* address :
       {"jane@gmail.com",     "jane@googlemail.com", "jane@yahoo.com",      "jane@yahoo.co.uk", "jane@yahoo.de",
        "jane@yahoo.com.br",  "jane@ymail.com",      "jane@outlook.com",    "jane@outlook.de",  "jane@hotmail.fr",
        "jane@hotmail.co.uk", "jane@live.com",       "jane@msn.com",        "jane@aol.com",     "jane@gmx.de",
        "jane@gmx.net",       "jane@web.de",         "jane@t-online.de",    "jane@icloud.com",  "jane@me.com",
        "jane@mac.com",       "jane@proton.me",      "jane@protonmail.com", "jane@pm.me",       "jane@zoho.com",
        "jane@yandex.ru",     "jane@mail.ru",        "jane@qq.com",         "jane@163.com",     "jane@126.com",
        "jane@free.fr",       "jane@orange.fr",      "jane@laposte.net",    "jane@libero.it",   "jane@fastmail.com",
        "jane@hey.com",       "jane@tutanota.com",   "jane@mail.com"}) {
    CAPTURE(address);
    CHECK_FALSE(company_domain(address).has_value());
  }
}

TEST_CASE("a business contact's company is the domain, kept whole") {
  CHECK(company_domain("jane@globex.com") == "globex.com");
  CHECK(company_domain("jane@eu.globex.com") == "eu.globex.com");
  CHECK(company_domain("jane@globex-industries.co.uk") == "globex-industries.co.uk");
}

TEST_CASE("a provider's name inside a company domain is not free mail") {
  CHECK(company_domain("it@outlook.globex.com") == "outlook.globex.com");
  CHECK(company_domain("jane@live.globex.com") == "live.globex.com");
  CHECK(company_domain("jane@gmail.globex.com") == "gmail.globex.com");
  CHECK(company_domain("jane@yahoo-inc.com") == "yahoo-inc.com");
  CHECK(company_domain("jane@livenation.com") == "livenation.com");
}

TEST_CASE("an address without a domain has no company") {
  CHECK_FALSE(company_domain("").has_value());
  CHECK_FALSE(company_domain("jane").has_value());
}

TEST_CASE("a company's display name comes from the registrable label") {
  CHECK(company_display_name("globex-industries.co.uk") == "Globex Industries");
  CHECK(company_display_name("acme.com") == "Acme");
  CHECK(company_display_name("mail.acme.com") == "Acme");
  CHECK(company_display_name("initech.com.au") == "Initech");
  CHECK(company_display_name("soylent_green.de") == "Soylent Green");
  CHECK(company_display_name("3m.com") == "3m");
  CHECK(company_display_name("co.uk") == "Co");
  CHECK(company_display_name("localhost") == "Localhost");
  CHECK(company_display_name("xn--mnchen-3ya.de") == "xn--mnchen-3ya");
  CHECK(company_display_name("") == "");
}

}  // namespace
}  // namespace prospectd::rules
