// The lifecycle walk: facts in time order, one pass deciding creation, two-way promotion and
// rule moves, plus the aggregates. Every choice ARCHITECTURE.md "Stages" leaves open is documented in the header.
#include "rules/lifecycle.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "util/text.h"

namespace prospectd::rules {
namespace {

// A fact and the time it is ordered by (its date, or the stand-in the header describes).
struct Timed {
  const MessageFact* fact;
  std::optional<std::int64_t> when;
};

std::vector<Timed> chronological(std::span<const MessageFact> facts) {
  std::unordered_map<std::int64_t, std::int64_t> thread_latest;
  std::optional<std::int64_t> latest;
  for (const MessageFact& fact : facts) {
    if (!fact.date) continue;
    auto [it, inserted] = thread_latest.try_emplace(fact.thread, *fact.date);
    if (!inserted) it->second = std::max(it->second, *fact.date);
    latest = std::max(latest.value_or(*fact.date), *fact.date);
  }
  std::vector<Timed> timed;
  timed.reserve(facts.size());
  for (const MessageFact& fact : facts) {
    std::optional<std::int64_t> when = fact.date;
    if (!when) {
      const auto it = thread_latest.find(fact.thread);
      when = it != thread_latest.end() ? std::optional(it->second) : latest;
    }
    timed.push_back({&fact, when});
  }
  // Unknown times last; at equal times dated messages before stand-ins; then row, and the
  // remaining fields only so that duplicated rows still sort deterministically.
  const auto key = [](const Timed& t) {
    return std::make_tuple(!t.when.has_value(), t.when.value_or(0), !t.fact->date.has_value(), t.fact->row,
                           t.fact->thread, std::string_view(t.fact->message_id));
  };
  std::ranges::stable_sort(timed, [&](const Timed& a, const Timed& b) { return key(a) < key(b); });
  return timed;
}

// The contact wrote it, by hand.
bool human_from_contact(const MessageFact& fact) {
  return fact.authored_by_contact && !fact.automated && fact.direction == core::Direction::inbound;
}

// The rep wrote it, by hand.
bool human_from_rep(const MessageFact& fact) { return fact.direction == core::Direction::outbound && !fact.automated; }

bool appears(const MessageFact& fact) { return fact.authored_by_contact || fact.contact_is_recipient; }

// A message that makes the address a contact (contact_candidates, seen from the contact).
bool makes_contact(const MessageFact& fact) {
  return !fact.automated && fact.direction != core::Direction::internal &&
         (human_from_contact(fact) || fact.contact_is_recipient);
}

bool needs_reply_over(std::span<const MessageFact* const> thread_messages) {
  bool awaiting = false;
  for (const MessageFact* message : thread_messages) {
    if (message->automated) continue;
    switch (message->direction) {
      case core::Direction::inbound:
        awaiting = message->authored_by_contact;
        break;
      case core::Direction::outbound:
        awaiting = false;
        break;
      case core::Direction::internal:
        if (message->contact_is_recipient) awaiting = false;
        break;
    }
  }
  return awaiting;
}

bool matches(const StageRule& rule, const MessageFact& fact) {
  try {
    return (rule.match_subject && std::regex_search(fact.subject, rule.pattern)) ||
           (rule.match_snippet && std::regex_search(fact.snippet, rule.pattern));
  } catch (const std::regex_error&) {
    return false;  // the engine gave up on this text (complexity/stack): no evidence
  }
}

// The matching rule with the highest stage; the earlier one on a tie.
const StageRule* best_match(std::span<const StageRule> rules, const MessageFact& fact) {
  const StageRule* best = nullptr;
  for (const StageRule& rule : rules) {
    if ((best == nullptr || stage_rank(rule.stage) > stage_rank(best->stage)) && matches(rule, fact)) {
      best = &rule;
    }
  }
  return best;
}

void decide_stages(const std::vector<Timed>& timeline, std::span<const StageRule> rules, const Timed& creation,
                   ContactEvaluation& result) {
  const auto change = [&](std::optional<core::Stage> from, core::Stage to, std::string_view rule, const Timed& at) {
    result.history.push_back({from, to, at.when.value_or(0), std::string(rule), at.fact->thread, at.fact->message_id});
    result.stage = to;
  };
  const auto move_forward = [&](core::Stage to, std::string_view rule, const Timed& at) {
    if (stage_rank(to) > stage_rank(result.stage)) change(result.stage, to, rule, at);
  };

  change(std::nullopt, core::Stage::lead, "first-contact", creation);
  struct Pair {
    bool contact = false;
    bool rep = false;
  };
  std::unordered_map<std::int64_t, Pair> pairs;  // per thread, until the first completion
  bool two_way = false;
  for (const Timed& timed : timeline) {
    const MessageFact& fact = *timed.fact;
    if (!two_way) {
      Pair& pair = pairs[fact.thread];
      pair.contact = pair.contact || human_from_contact(fact);
      pair.rep = pair.rep || human_from_rep(fact);
      if (pair.contact && pair.rep) {
        two_way = true;
        move_forward(core::Stage::prospect, "two-way", timed);
      }
    }
    const StageRule* rule = human_from_contact(fact) ? best_match(rules, fact) : nullptr;
    if (rule != nullptr) move_forward(rule->stage, rule->name, timed);
  }
}

// Limits checked before std::regex sees the pattern: libstdc++ 12 accumulates back-reference
// and repeat numbers in a signed int without an overflow check (regex_compiler.tcc,
// _M_cur_int_value: undefined behaviour, found by fuzz_config), and a large repeat count builds
// an automaton of that many states (a{100000} takes seconds and hundreds of MB).
constexpr std::size_t kMaxPatternLength = 2000;
constexpr std::size_t kMaxBackReferenceDigits = 2;  // \1 .. \99
constexpr int kMaxRepeatCount = 1000;

// A std::regex_error with a message that says which limit was passed.
class PatternLimitError final : public std::regex_error {
 public:
  PatternLimitError(std::regex_constants::error_type code, std::string message)
      : std::regex_error(code), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

std::size_t digit_run(std::string_view text, std::size_t from) {
  std::size_t end = from;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  return end - from;
}

void check_pattern_limits(std::string_view pattern) {
  if (pattern.size() > kMaxPatternLength) {
    throw PatternLimitError(std::regex_constants::error_complexity,
                            "longer than " + std::to_string(kMaxPatternLength) + " characters");
  }
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (digit_run(pattern, i + 1) > kMaxBackReferenceDigits) {
        throw PatternLimitError(std::regex_constants::error_backref, "back-reference beyond \\99");
      }
      ++i;  // the escaped character
    } else if (pattern[i] == '{') {
      for (std::size_t j = i + 1; j < pattern.size() && pattern[j] != '}'; ++j) {
        const std::size_t digits = digit_run(pattern, j);
        if (digits > 4 || (digits > 0 && std::stoi(std::string(pattern.substr(j, digits))) > kMaxRepeatCount)) {
          throw PatternLimitError(std::regex_constants::error_badbrace,
                                  "repeat count beyond {" + std::to_string(kMaxRepeatCount) + "}");
        }
        j += digits > 0 ? digits - 1 : 0;
      }
    }
  }
}

}  // namespace

StageRule make_stage_rule(std::string name, core::Stage stage, std::string_view pattern, bool match_subject,
                          bool match_snippet) {
  check_pattern_limits(pattern);
  return {std::move(name), stage,
          std::regex(pattern.begin(), pattern.end(), std::regex::ECMAScript | std::regex::icase), match_subject,
          match_snippet};
}

ContactEvaluation evaluate_contact(std::span<const MessageFact> facts, std::span<const StageRule> rules) {
  ContactEvaluation result;
  if (facts.empty()) return result;
  const std::vector<Timed> timeline = chronological(facts);

  const auto first = [&](auto predicate) {
    return std::ranges::find_if(timeline, [&](const Timed& t) { return predicate(*t.fact); });
  };
  auto creation = first(makes_contact);
  if (creation == timeline.end()) creation = first(appears);
  if (creation == timeline.end()) creation = timeline.begin();
  result.first_seen = creation->when;
  decide_stages(timeline, rules, *creation, result);

  std::map<std::int64_t, std::vector<const MessageFact*>> threads;
  for (const Timed& timed : timeline) {
    const MessageFact& fact = *timed.fact;
    threads[fact.thread].push_back(&fact);
    // The timeline is in time order, so the last value assigned is the latest.
    if (human_from_contact(fact)) {
      ++result.inbound_count;
      if (timed.when) result.last_inbound = timed.when;
    }
    if (human_from_rep(fact) && fact.contact_is_recipient) {
      ++result.outbound_count;
      if (timed.when) result.last_outbound = timed.when;
    }
    if (appears(fact) && timed.when) result.last_message_at = timed.when;
    if (const std::string_view name = util::trim(fact.contact_name); !name.empty()) {
      result.name = std::string(name);
    }
  }
  result.thread_count = static_cast<std::int64_t>(threads.size());
  for (const auto& [thread, messages] : threads) {
    if (needs_reply_over(messages)) result.threads_needing_reply.push_back(thread);
  }
  result.needs_reply = !result.threads_needing_reply.empty();
  return result;
}

bool thread_needs_reply(std::span<const MessageFact> thread_messages) {
  std::vector<const MessageFact*> messages;
  messages.reserve(thread_messages.size());
  for (const MessageFact& message : thread_messages) messages.push_back(&message);
  return needs_reply_over(messages);
}

void sort_chronologically(std::span<MessageFact> facts) {
  std::vector<MessageFact> sorted;
  sorted.reserve(facts.size());
  for (const Timed& timed : chronological(facts)) {
    sorted.push_back(std::move(facts[static_cast<std::size_t>(timed.fact - facts.data())]));
  }
  std::ranges::move(sorted, facts.begin());
}

}  // namespace prospectd::rules
