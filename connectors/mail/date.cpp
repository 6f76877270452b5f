// Date field parsing (RFC 5322 §3.3 and the obsolete forms of §4.3) to Unix time.
// Hand-written rather than GMime's, for the reasons that follow.
//
// GMime 3.2.13's parser was measured on the date vectors to invent midnight
// when it cannot read the time ("13.47.26"), to ignore an offset written without a space
// before it ("14:58:26-0800"), to accept "+2600", and to give military zones RFC 822's
// inverted signs; each of those silently yields a wrong instant.
#include "connectors/mail/date.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "util/text.h"

namespace prospectd::connectors::mail {
namespace {

struct Token {
  enum class Kind { kNumber, kWord, kSign };
  Kind kind;
  std::string_view text;
  char separator_after = ' ';  // the punctuation right after the token, ' ' if none
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 5322 §3.2.2: comments nest and may quote characters. An unclosed comment runs to
// the end. Comments become spaces.
std::string strip_comments(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (depth > 0 && c == '\\') {
      ++i;
    } else if (c == '(') {
      if (depth++ == 0) out.push_back(' ');
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_digit(c) || is_alpha(c)) {
      const std::size_t start = i;
      const bool digits = is_digit(c);
      while (i < s.size() && (digits ? is_digit(s[i]) : is_alpha(s[i]))) ++i;
      // Words glued to digits ("EST5EDT") keep only their letters.
      while (!digits && i < s.size() && (is_digit(s[i]) || is_alpha(s[i]))) ++i;
      std::string_view text = s.substr(start, i - start);
      if (!digits) {
        std::size_t letters = 0;
        while (letters < text.size() && is_alpha(text[letters])) ++letters;
        text = text.substr(0, letters);
      }
      tokens.push_back({digits ? Token::Kind::kNumber : Token::Kind::kWord, text});
    } else if (c == '+' || c == '-') {
      tokens.push_back({Token::Kind::kSign, s.substr(i, 1)});
      ++i;
    } else {
      if (!tokens.empty() && c != ' ' && c != '\t' && c != '\r' && c != '\n' && tokens.back().separator_after == ' ') {
        tokens.back().separator_after = c;
      }
      ++i;
    }
  }
  return tokens;
}

int month_from_word(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {"january",   "february", "march",    "april",
                                                               "may",       "june",     "july",     "august",
                                                               "september", "october",  "november", "december"};
  for (std::size_t m = 0; m < kMonths.size(); ++m) {
    const std::string_view full = kMonths[m];
    if (util::equals_ignoring_case(word, full) || util::equals_ignoring_case(word, full.substr(0, 3)) ||
        (m == 8 && util::equals_ignoring_case(word, "sept"))) {
      return static_cast<int>(m) + 1;
    }
  }
  return 0;
}

// RFC 5322 §4.3 obs-zone, in minutes east of UTC. Military letters count as "-0000"
// because RFC 822 defined their signs backwards.
std::optional<int> zone_from_word(std::string_view word) {
  struct Zone {
    std::string_view name;
    int minutes;
  };
  static constexpr std::array<Zone, 12> kZones = {{{"UT", 0},
                                                   {"UTC", 0},
                                                   {"GMT", 0},
                                                   {"Z", 0},
                                                   {"EDT", -4 * 60},
                                                   {"EST", -5 * 60},
                                                   {"CDT", -5 * 60},
                                                   {"CST", -6 * 60},
                                                   {"MDT", -6 * 60},
                                                   {"MST", -7 * 60},
                                                   {"PDT", -7 * 60},
                                                   {"PST", -8 * 60}}};
  for (const Zone& zone : kZones) {
    if (util::equals_ignoring_case(word, zone.name)) return zone.minutes;
  }
  if (word.size() == 1 && util::ascii_lower(word[0]) != 'j') return 0;
  return std::nullopt;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<std::int64_t> to_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}

// RFC 5322 §4.3: two-digit years 00-49 are 20xx, 50-99 and three-digit years are 19xx.
std::int64_t full_year(std::string_view digits, std::int64_t year) {
  if (digits.size() <= 2) return year < 50 ? 2000 + year : 1900 + year;
  if (digits.size() == 3) return 1900 + year;
  return year;
}

}  // namespace

std::optional<std::int64_t> parse_date(std::string_view value) {
  // A Received: body ends in "; date-time" (RFC 5322 §3.6.7); a Date: has no ';'.
  if (const std::size_t semicolon = value.rfind(';'); semicolon != std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
  }
  const std::string text = strip_comments(value);
  const std::vector<Token> tokens = tokenize(text);

  int month = 0;
  std::optional<int> zone_minutes;
  std::optional<std::array<std::int64_t, 3>> time;  // h, m, s
  std::vector<std::string_view> date_numbers;       // day, year (and month if numeric)

  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::kWord) {
      if (const int m = month_from_word(t.text); m != 0 && month == 0 && !time) {
        month = m;
      } else if (const auto z = zone_from_word(t.text); z && time && !zone_minutes) {
        zone_minutes = z;
      }
      continue;  // day names and unknown words carry no instant
    }
    if (t.kind == Token::Kind::kSign) {
      // A numeric zone after the time: exactly four digits, |offset| < 24h.
      if (!time || i + 1 >= tokens.size() || tokens[i + 1].kind != Token::Kind::kNumber) continue;
      const std::string_view digits = tokens[++i].text;
      if (digits.size() != 4 || zone_minutes) return std::nullopt;
      const std::int64_t hhmm = *to_number(digits);
      if (hhmm / 100 > 23 || hhmm % 100 > 59) return std::nullopt;
      const int minutes = static_cast<int>(hhmm / 100 * 60 + hhmm % 100);
      zone_minutes = t.text == "-" ? -minutes : minutes;
      continue;
    }
    // A chain of numbers joined by ':' or '.' is a time of day ("13:47", "13.47.26"), or a
    // numeric date when one part has more than two digits ("17.06.2008").
    std::size_t k = i;
    while ((tokens[k].separator_after == ':' || tokens[k].separator_after == '.') && k + 1 < tokens.size() &&
           tokens[k + 1].kind == Token::Kind::kNumber) {
      ++k;
    }
    if (k > i) {
      const bool long_part = std::any_of(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                                         tokens.begin() + static_cast<std::ptrdiff_t>(k + 1),
                                         [](const Token& p) { return p.text.size() > 2; });
      if (long_part && tokens[i].separator_after == '.' && !time) {
        for (; i <= k; ++i) date_numbers.push_back(tokens[i].text);
        --i;
        continue;
      }
      if (long_part || k - i > 2 || time) return std::nullopt;  // "12.34.56.78", two times
      std::array<std::int64_t, 3> hms = {0, 0, 0};
      for (std::size_t p = i; p <= k; ++p) hms[p - i] = *to_number(tokens[p].text);
      if (hms[0] > 23 || hms[1] > 59 || hms[2] > 60) return std::nullopt;
      time = hms;
      i = k;
      continue;
    }
    date_numbers.push_back(t.text);
  }
  if (!time) return std::nullopt;

  std::string_view day_digits;
  std::string_view year_digits;
  if (month != 0) {
    if (date_numbers.size() != 2) return std::nullopt;
    // Day first, unless the first number can only be a year ("2003 Feb 5").
    const bool year_first = date_numbers[0].size() > 2 || *to_number(date_numbers[0]) > 31;
    day_digits = date_numbers[year_first ? 1 : 0];
    year_digits = date_numbers[year_first ? 0 : 1];
  } else {
    // Numeric dates: day-month-year, or year-month-day when the first has four digits.
    if (date_numbers.size() != 3 || date_numbers[1].size() > 2) return std::nullopt;
    const bool year_first = date_numbers[0].size() == 4;
    day_digits = date_numbers[year_first ? 2 : 0];
    year_digits = date_numbers[year_first ? 0 : 2];
    month = static_cast<int>(*to_number(date_numbers[1]));
  }
  if (day_digits.size() > 2 || year_digits.size() > 4 || month < 1 || month > 12) {
    return std::nullopt;
  }
  const std::int64_t year = full_year(year_digits, *to_number(year_digits));
  const std::int64_t day = *to_number(day_digits);
  if (day < 1 || day > days_in_month(year, month)) return std::nullopt;

  const auto& [hour, minute, second] = *time;
  const std::int64_t local =
      days_from_civil(year, month, static_cast<int>(day)) * 86400 + hour * 3600 + minute * 60 + second;
  return local - static_cast<std::int64_t>(zone_minutes.value_or(0)) * 60;
}

}  // namespace prospectd::connectors::mail
