// The company a contact belongs to, from the domain of their address (ARCHITECTURE.md "Contacts").
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prospectd::rules {

// The domain of `canonical` ("jane@globex.com" -> "globex.com"), or nullopt when it is a
// free-mail or consumer ISP provider (gmail.com, yahoo.co.uk, gmx.de, ...) or there is no
// domain. The domain is kept whole: "jane@eu.globex.com" -> "eu.globex.com".
std::optional<std::string> company_domain(std::string_view canonical);

// True for free-mail and consumer ISP domains: the table in company.cpp, where "yahoo.*"
// stands for yahoo under any top-level domain ("yahoo.de", "yahoo.co.uk", "yahoo.com.br").
bool is_free_mail_domain(std::string_view domain);

// A readable company name from a domain: the registrable label, split at '-' and '_',
// each word capitalised. "globex-industries.co.uk" -> "Globex Industries",
// "mail.acme.com" -> "Acme". Punycode labels ("xn--...") are returned as they are.
std::string company_display_name(std::string_view domain);

}  // namespace prospectd::rules
