// Recovery of the mailboxes GMime's address-list parser drops from malformed lists: a CRM
// must not lose a recipient because a client wrote ';' between addresses.
#include "connectors/mail/address_recovery.h"

#include <algorithm>
#include <iterator>

#include "connectors/mail/encoded_words.h"
#include "util/text.h"

namespace prospectd::connectors::mail::detail {
namespace {

// Index one past the end of the quoted string or comment that starts at s[i], or npos if
// it is not closed (quoted-pairs respected, RFC 5322 §3.2.4; comments nest, §3.2.2).
std::size_t skip_enclosed(std::string_view s, std::size_t i) {
  if (s[i] == '"') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }
  int depth = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The element with quoted strings, comments and encoded words blanked out (same length),
// so that nothing inside them can pass for an address. An unclosed '(' or '"' is taken as
// a stray character.
std::string visible_text(std::string_view element) {
  std::string out(element);
  for (std::size_t i = 0; i < out.size();) {
    std::size_t end = std::string_view::npos;
    if (out[i] == '"' || out[i] == '(') {
      end = skip_enclosed(element, i);
    } else if (element.substr(i, 2) == "=?") {
      const std::size_t close = element.find("?=", i + 2);
      const std::size_t space = element.find_first_of(" \t", i);
      if (close != std::string_view::npos && close < space) end = close + 2;
    }
    if (end == std::string_view::npos) {
      if (out[i] == '"' || out[i] == '(') out[i] = ' ';
      ++i;
      continue;
    }
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(i), out.begin() + static_cast<std::ptrdiff_t>(end), ' ');
    i = end;
  }
  return out;
}

// One '@' with text on both sides, and no ':' (a URL such as "mailto:x@y" is no mailbox).
bool is_addr_spec(std::string_view token) {
  const std::size_t at = token.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < token.size() &&
         token.find('@', at + 1) == std::string_view::npos && token.find(':') == std::string_view::npos;
}

// How an address is compared with what GMime found: GMime drops a trailing dot of the
// domain and folds nothing else.
std::string comparison_key(std::string_view email) {
  while (!email.empty() && email.back() == '.') email.remove_suffix(1);
  return std::string(email);
}

// The text with its comments blanked out (quoted strings and encoded words kept).
std::string without_comments(std::string_view text) {
  std::string out(text);
  for (std::size_t i = 0; i < out.size();) {
    if (out[i] == '"' || out[i] == '(') {
      const std::size_t end = skip_enclosed(text, i);
      if (end == std::string_view::npos) break;
      if (out[i] == '(') {
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(i), out.begin() + static_cast<std::ptrdiff_t>(end), ' ');
      }
      i = end;
    } else {
      ++i;
    }
  }
  return out;
}

bool is_token_break(char c) {
  return util::is_blank(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == ':' || c == '"' || c == '(' ||
         c == ')' || c == '[' || c == ']';
}

std::vector<std::string_view> addr_specs(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < text.size();) {
    if (is_token_break(text[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && !is_token_break(text[i])) ++i;
    const std::string_view token = text.substr(start, i - start);
    if (is_addr_spec(token)) out.push_back(token);
  }
  return out;
}

// Top-level list elements of an address-list body.
std::vector<std::string_view> split_elements(std::string_view value) {
  std::vector<std::string_view> elements;
  std::size_t start = 0;
  bool in_angle = false;
  for (std::size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (c == '"' || (c == '(' && !in_angle)) {
      const std::size_t end = skip_enclosed(value, i);
      if (end != std::string_view::npos) {
        i = end;
        continue;
      }
    }
    if (c == '<') in_angle = true;
    if (c == '>') in_angle = false;
    if (!in_angle && (c == ',' || c == ';')) {
      elements.push_back(value.substr(start, i - start));
      start = i + 1;
    }
    ++i;
  }
  elements.push_back(value.substr(start));
  return elements;
}

// Drops a leading RFC 5322 §3.4 "display-name:" that opens a group.
std::string_view without_group_name(std::string_view element, std::string_view visible) {
  const std::size_t colon = visible.find(':');
  if (colon == std::string_view::npos) return element;
  const std::string_view before = visible.substr(0, colon);
  if (before.find_first_of("<@") != std::string_view::npos) return element;
  return element.substr(colon + 1);
}

std::string clean_display_name(std::string_view text) {
  std::string name(util::trim(text));
  name.erase(std::remove(name.begin(), name.end(), '"'), name.end());
  return std::string(util::trim(decode_unstructured(name)));
}

}  // namespace

std::vector<core::Address> recover_dropped_addresses(std::string_view value,
                                                     const std::unordered_set<std::string>& found) {
  std::vector<core::Address> recovered;
  for (std::string_view element : split_elements(value)) {
    element = util::trim(without_group_name(element, visible_text(element)));
    const std::string visible = visible_text(element);
    std::string squeezed;  // "jdoe@test . example" as GMime reads it: "jdoe@test.example"
    std::remove_copy_if(visible.begin(), visible.end(), std::back_inserter(squeezed), util::is_blank);
    const auto specs = addr_specs(squeezed);
    if (specs.empty() || std::any_of(specs.begin(), specs.end(),
                                     [&](std::string_view s) { return found.contains(comparison_key(s)); })) {
      continue;  // nothing address-like, or GMime has it
    }
    const std::size_t open = visible.find('<');
    const std::size_t close = open == std::string::npos ? open : visible.find('>', open);
    if (close != std::string::npos) {
      // An angle-addr says where the address is: take it or nothing.
      const std::string_view inner = util::trim(std::string_view(visible).substr(open + 1, close - open - 1));
      if (is_addr_spec(inner) && inner.find_first_of(" \t") == std::string_view::npos &&
          !found.contains(comparison_key(inner))) {
        recovered.push_back({clean_display_name(without_comments(element.substr(0, open))), std::string(inner)});
      }
      continue;
    }
    for (const std::string_view spec : addr_specs(visible)) {
      if (!found.contains(comparison_key(spec))) recovered.push_back({"", std::string(spec)});
    }
  }
  return recovered;
}

}  // namespace prospectd::connectors::mail::detail
