// Subject normalisation for threading by subject (ARCHITECTURE.md "Threads"): the base subject without
// reply/forward prefixes and list tags, in the spirit of RFC 5256 §2.1.
#include "connectors/mail/subject.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include "util/text.h"

namespace prospectd::connectors::mail {
namespace {

// Prefixes mail clients put in front of a reply, by language. ASCII entries are matched
// case-insensitively; other scripts list the case forms clients write.
constexpr auto kReplyWords = std::to_array<std::string_view>({
    "re",                  // English, and most clients whatever their language
    "aw",                  // German: Antwort
    "sv",                  // Swedish, Norwegian, Danish: svar
    "antw",                // Dutch: antwoord
    "res",                 // Portuguese: resposta
    "odp",                 // Polish: odpowiedź
    "ref",  "rif",  "r",   // Italian: riferimento
    "vá",   "VÁ",          // Hungarian: válasz
    "ynt",                 // Turkish: yanıt
    "atb",                 // Latvian: atbilde
    "bls",                 // Indonesian: balas
    "απ",   "ΑΠ",   "Απ",  // Greek: απάντηση
    "השב",                 // Hebrew
    "رد",                  // Arabic
    "回复", "答复",        // Chinese (simplified)
    "回覆",                // Chinese (traditional)
    "返信",                // Japanese
    "답장",                // Korean
});

// Prefixes of a forwarded message. "VS" is Danish/Norwegian videresendt (forward) but
// Finnish vastaus (reply): it is listed here, so it never makes a message a reply.
constexpr auto kForwardWords = std::to_array<std::string_view>({
    "fwd",         "fw",                        // English
    "wg",                                       // German: weitergeleitet
    "tr",                                       // French: transféré
    "rv",                                       // Spanish: reenviado
    "enc",                                      // Portuguese: encaminhado
    "doorst",                                   // Dutch: doorsturen
    "vs",          "vl",                        // Danish, Norwegian; Finnish: välitetty
    "továbbítás",  "TOVÁBBÍTÁS",                // Hungarian
    "i",                                        // Italian: inoltrato
    "fs",          "vb",                        // Swedish: framsänt, vidarebefordrat
    "trs",                                      // Portuguese
    "pd",                                       // Polish: przekaż dalej
    "i̇lt",         "İlt",        "İLT", "ilt",  // Turkish: iletildi
    "yml",                                      // Turkish: yönlendirilmiş
    "πρθ",         "ΠΡΘ",                       // Greek: προώθηση
    "הועבר",                                    // Hebrew
    "إعادة توجيه",                              // Arabic
    "转发",        "轉寄",                      // Chinese
    "転送",                                     // Japanese
});

template <std::size_t N>
bool in_list(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return util::equals_ignoring_case(w, word); });
}

bool is_prefix_word(std::string_view w) { return in_list(kReplyWords, w) || in_list(kForwardWords, w); }

constexpr std::string_view kFullwidthColon = "\xEF\xBC\x9A";  // U+FF1A, CJK clients

// Length of the whitespace character at s[i] (ASCII whitespace, NBSP, ideographic space),
// or 0.
std::size_t space_length(std::string_view s, std::size_t i) {
  const char c = s[i];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') return 1;
  if (s.substr(i, 2) == "\xC2\xA0") return 2;
  if (s.substr(i, 3) == "\xE3\x80\x80") return 3;
  return 0;
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = space_length(s, i); n > 0) {
      pending_space = !out.empty();
      i += n;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(s[i++]);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Byte length of "[counter] :" (or just ":") at the start of `s`, or 0.
std::size_t counter_and_colon_length(std::string_view s) {
  std::size_t i = 0;
  if (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find_first_of("[]", 1);
    if (close == std::string_view::npos || s[close] != ']') return 0;
    i = close + 1;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  if (i < s.size() && s[i] == ':') return i + 1;
  if (s.substr(i, kFullwidthColon.size()) == kFullwidthColon) return i + kFullwidthColon.size();
  return 0;
}

// Byte length of a leading "word[counter] :" prefix with a word from `words`, or 0.
// RFC 5256 subj-refwd, widened to other languages, "[n]" counters and French "RE :".
template <std::size_t N>
std::size_t prefix_length(std::string_view s, const std::array<std::string_view, N>& words) {
  for (const std::string_view word : words) {
    if (s.size() <= word.size() || !util::equals_ignoring_case(s.substr(0, word.size()), word)) {
      continue;
    }
    if (const std::size_t n = counter_and_colon_length(s.substr(word.size())); n > 0) {
      return word.size() + n;
    }
  }
  return 0;
}

std::size_t any_prefix_length(std::string_view s) {
  return std::max(prefix_length(s, kReplyWords), prefix_length(s, kForwardWords));
}

// Byte length of a leading "[...]" without nested brackets (RFC 5256 subj-blob), or 0.
std::size_t blob_length(std::string_view s) {
  if (s.empty() || s.front() != '[') return 0;
  const std::size_t close = s.find_first_of("[]", 1);
  if (close == std::string_view::npos || s[close] != ']') return 0;
  return close + 1;
}

// True if `s` consists only of "[...]" blobs and spaces.
bool only_blobs(std::string_view s) {
  for (s = trim(s); !s.empty(); s = trim(s)) {
    const std::size_t n = blob_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

// Removes leading "[list-tag]"s, unless nothing but tags would be left. Linear: the scan
// stops at the first character that is not part of a tag.
std::string_view strip_blobs(std::string_view s) {
  if (blob_length(s) == 0 || only_blobs(s)) return s;
  for (std::size_t n = blob_length(s); n > 0; n = blob_length(s)) s = trim(s.substr(n));
  return s;
}

// Removes trailing "(fwd)"-like markers (RFC 5256 subj-trailer, any prefix word).
std::string_view strip_trailers(std::string_view s) {
  while (!s.empty() && s.back() == ')') {
    const std::size_t open = s.find_last_of("()", s.size() - 2);
    if (open == std::string_view::npos || s[open] != '(' || !is_prefix_word(s.substr(open + 1, s.size() - open - 2))) {
      break;
    }
    s = trim(s.substr(0, open));
  }
  return s;
}

// "[Fwd: inner]" -> "inner" (RFC 5256 subj-fwd-hdr / subj-fwd-trl); anything else as is.
std::string_view open_forward_wrapper(std::string_view s, bool& opened) {
  opened = false;
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return s;
  const std::string_view inner = s.substr(1, s.size() - 2);
  const std::size_t n = prefix_length(inner, kForwardWords);
  if (n == 0) return s;
  opened = true;
  return trim(inner.substr(n));
}

}  // namespace

std::string base_subject(std::string_view decoded) {
  const std::string collapsed = collapse_whitespace(decoded);
  std::string_view s = trim(collapsed);
  for (bool changed = true; changed;) {
    s = strip_trailers(s);
    // RFC 5256 §2.1 steps (3) and (4): leading prefixes and tags, in any order.
    for (std::size_t before = s.size() + 1; s.size() < before;) {
      before = s.size();
      s = strip_blobs(s);
      if (const std::size_t n = any_prefix_length(s); n > 0) s = trim(s.substr(n));
    }
    s = open_forward_wrapper(s, changed);
  }
  return std::string(s);
}

bool has_reply_prefix(std::string_view decoded) {
  const std::string collapsed = collapse_whitespace(decoded);
  return prefix_length(strip_blobs(trim(collapsed)), kReplyWords) > 0;
}

}  // namespace prospectd::connectors::mail
