// Free-mail detection and company names from domains. No public-suffix list: the few
// second-level labels below ("co.uk", "com.br") cover the domains reps meet.
#include "rules/company.h"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "rules/canonical_address.h"

namespace prospectd::rules {
namespace {

// Free-mail and consumer ISP domains: an address there says nothing about a company.
// Maintenance: lower case, one domain per entry, kept in byte order (the static_assert below
// fails the build otherwise; `LC_ALL=C sort` gives the order). "name.*" matches `name` under
// any top-level domain, including two-level ones with a label from kSecondLevelLabels
// ("yahoo.co.uk"); use it only for providers that really run one domain per country.
// Add a provider when a rep reports a "company" that is a mail service.
constexpr auto kFreeMailDomains = std::to_array<std::string_view>({
    "126.com",        "139.com",         "163.com",        "aim.com",       "alice.it",
    "aliyun.com",     "aol.*",           "arcor.de",       "att.net",       "bell.net",
    "bellsouth.net",  "bigpond.com",     "bigpond.net.au", "bluewin.ch",    "blueyonder.co.uk",
    "bol.com.br",     "btinternet.com",  "charter.net",    "comcast.net",   "cox.net",
    "daum.net",       "duck.com",        "earthlink.net",  "email.com",     "fastmail.com",
    "fastmail.fm",    "foxmail.com",     "free.fr",        "freenet.de",    "gmail.com",
    "gmx.*",          "googlemail.com",  "hanmail.net",    "hey.com",       "home.nl",
    "hotmail.*",      "hushmail.com",    "icloud.com",     "inbox.ru",      "interia.pl",
    "juno.com",       "kpnmail.nl",      "laposte.net",    "libero.it",     "list.ru",
    "live.*",         "mac.com",         "mail.com",       "mail.ru",       "mailbox.org",
    "me.com",         "msn.com",         "nate.com",       "naver.com",     "neuf.fr",
    "ntlworld.com",   "o2.pl",           "onet.pl",        "optonline.net", "optusnet.com.au",
    "orange.fr",      "outlook.*",       "pm.me",          "posteo.de",     "proton.me",
    "protonmail.ch",  "protonmail.com",  "qq.com",         "rambler.ru",    "rediffmail.com",
    "rocketmail.com", "rogers.com",      "sbcglobal.net",  "seznam.cz",     "sfr.fr",
    "shaw.ca",        "sina.cn",         "sina.com",       "sky.com",       "skynet.be",
    "sohu.com",       "sympatico.ca",    "t-online.de",    "talktalk.net",  "telenet.be",
    "terra.com.br",   "tiscali.co.uk",   "tiscali.it",     "tuta.io",       "tutamail.com",
    "tutanota.com",   "tutanota.de",     "uol.com.br",     "usa.com",       "verizon.net",
    "virgilio.it",    "virginmedia.com", "wanadoo.fr",     "web.de",        "windowslive.com",
    "wp.pl",          "xs4all.nl",       "ya.ru",          "yahoo.*",       "yandex.*",
    "yeah.net",       "ymail.com",       "ziggo.nl",       "zoho.com",      "zohomail.com",
});

static_assert(std::ranges::is_sorted(kFreeMailDomains));
static_assert(std::ranges::adjacent_find(kFreeMailDomains) == kFreeMailDomains.end());

// Second-level labels under which country registries hand out names ("co.uk", "com.au").
constexpr auto kSecondLevelLabels =
    std::to_array<std::string_view>({"ac", "co", "com", "edu", "gov", "gv", "ltd", "ne", "net", "or", "org"});

static_assert(std::ranges::is_sorted(kSecondLevelLabels));

std::vector<std::string_view> labels_of(std::string_view domain) {
  std::vector<std::string_view> labels;
  while (!domain.empty()) {
    const auto dot = domain.find('.');
    labels.push_back(domain.substr(0, dot));
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return labels;
}

bool is_second_level(std::string_view label) { return std::ranges::binary_search(kSecondLevelLabels, label); }

bool listed(std::string_view entry) { return std::ranges::binary_search(kFreeMailDomains, entry); }

// True if `labels` (after the provider's name) form a top-level domain: "de", "com", "co.uk".
bool is_top_level(std::span<const std::string_view> labels) {
  if (labels.size() == 1) return true;
  return labels.size() == 2 && is_second_level(labels[0]) && labels[1].size() == 2;
}

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

bool is_free_mail_domain(std::string_view domain) {
  if (listed(domain)) return true;
  const std::vector<std::string_view> labels = labels_of(domain);
  if (labels.size() < 2 || !is_top_level(std::span(labels).subspan(1))) return false;
  return listed(std::string(labels.front()) + ".*");
}

std::optional<std::string> company_domain(std::string_view canonical) {
  const std::string_view domain = domain_of(canonical);
  if (domain.empty() || is_free_mail_domain(domain)) return std::nullopt;
  return std::string(domain);
}

std::string company_display_name(std::string_view domain) {
  std::vector<std::string_view> labels = labels_of(domain);
  std::erase(labels, std::string_view());
  if (labels.empty()) return {};
  if (labels.size() > 1) labels.pop_back();  // the top-level domain
  if (labels.size() > 1 && is_second_level(labels.back())) labels.pop_back();
  const std::string_view name = labels.back();
  if (name.starts_with("xn--")) return std::string(name);

  std::string display;
  bool word_start = true;
  for (const char c : name) {
    if (c == '-' || c == '_') {
      word_start = true;
      continue;
    }
    if (word_start && !display.empty()) display.push_back(' ');
    display.push_back(word_start ? ascii_upper(c) : c);
    word_start = false;
  }
  return display;
}

}  // namespace prospectd::rules
