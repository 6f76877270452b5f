// RFC 5322 §3.4 address-list parsing (From, To, Cc, ...) into core::Address values.
// GMime does the grammar, our encoded-word decoder the charsets; this file cleans up.
#include "connectors/mail/address_list.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "connectors/mail/address_recovery.h"
#include "connectors/mail/encoded_words.h"
#include "connectors/mail/gmime_runtime.h"
#include "util/text.h"

namespace prospectd::connectors::mail {
namespace {

// Names arrive decoded but sometimes still wrapped in quotes the sender added inside an
// encoded word or around a quoted string (Outlook's 'Jane Doe'): drop matching pairs.
// Folding white space left inside a name becomes one space.
std::string clean_name(const char* name) {
  if (name == nullptr) return {};
  std::string_view view = util::trim(name);
  while (view.size() >= 2 && view.front() == view.back() && (view.front() == '"' || view.front() == '\'')) {
    view = util::trim(view.substr(1, view.size() - 2));
  }
  std::string out;
  out.reserve(view.size());
  for (const char c : view) {
    if (!util::is_blank(c)) {
      out.push_back(c);
    } else if (out.empty() || out.back() != ' ') {
      out.push_back(' ');
    }
  }
  return sanitize_utf8(out);
}

// "local@domain": no contact can be made of a bare word ("undisclosed-recipients"), a local
// user ("phil") or the null address "<>".
bool has_domain(std::string_view email) {
  const std::size_t at = email.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < email.size();
}

void collect(InternetAddressList* list, std::vector<core::Address>& out) {
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(address)) {
      // RFC 5322 §3.4: a group's display name labels the list; its members are the mailboxes.
      auto* group = INTERNET_ADDRESS_GROUP(address);
      collect(internet_address_group_get_members(group), out);
      continue;
    }
    auto* mailbox = INTERNET_ADDRESS_MAILBOX(address);
    const char* email = internet_address_mailbox_get_addr(mailbox);
    if (email == nullptr || !has_domain(email)) continue;
    out.push_back({clean_name(internet_address_get_name(address)), sanitize_utf8(email)});
  }
}

}  // namespace

std::vector<core::Address> parse_address_list(std::string_view value) {
  // GMime reads a C string: a NUL would silently end the list, so treat it as a space.
  std::string input(value);
  std::replace(input.begin(), input.end(), '\0', ' ');
  input = normalize_encoded_words(sanitize_utf8(input));

  std::vector<core::Address> out;
  const detail::GObjectPtr<InternetAddressList> list(
      internet_address_list_parse(detail::parser_options(), input.c_str()));
  if (list) collect(list.get(), out);

  std::unordered_set<std::string> found;
  found.reserve(out.size());
  for (const core::Address& a : out) found.insert(a.email);  // GMime's normal form
  for (core::Address& a : detail::recover_dropped_addresses(input, found)) {
    a.email = sanitize_utf8(a.email);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace prospectd::connectors::mail
