// A contact's lifecycle as ARCHITECTURE.md "Lifecycle" defines it: stage and stage history, display name,
// activity aggregates and needs-reply, decided from the messages of the contact's threads.
// Pure functions of their arguments; thread-safe. The store gathers the facts and writes the
// decisions, and calls the same functions for incremental updates and for a full rebuild, so
// the two agree by construction.
//
// Manual moves are not handled here. The store keeps user events; once the user has moved a
// contact it still takes the aggregates from evaluate_contact but no longer applies its stage
// and history (ARCHITECTURE.md "Stages": rules never override a manual move).
#pragma once

#include <cstdint>
#include <optional>
// GCC 12 warns -Wmaybe-uninitialized inside <regex> when optimising with sanitizers (GCC bug
// 105562, a false positive in libstdc++'s std::function moves). Silenced for that header only;
// clang (the fuzz build) has no such warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/identity.h"
#include "rules/stage.h"

namespace prospectd::rules {

// One message of a thread the contact is linked to, seen from that contact.
struct MessageFact {
  std::int64_t row = 0;    // store row id: the stable tiebreak
  std::string message_id;  // Message-ID, or the store's synthetic one
  std::int64_t thread = 0;
  std::optional<std::int64_t> date;  // Unix seconds; the store passes Date:, else the
                                     // server's arrival time, else nothing
  core::Direction direction = core::Direction::inbound;
  bool automated = false;
  bool authored_by_contact = false;   // From is this contact
  bool contact_is_recipient = false;  // this contact is in To/Cc/Bcc
  std::string contact_name;           // display name this message gives the contact
  std::string subject, snippet;
};

// A configurable forward rule: a human inbound message from the contact whose subject or
// snippet contains a match of `pattern` (std::regex_search) moves the contact to `stage`.
// `name` is recorded in the history. Build it with make_stage_rule.
struct StageRule {
  std::string name;
  core::Stage stage = core::Stage::opportunity;
  std::regex pattern;
  bool match_subject = true;
  bool match_snippet = true;
};

// A rule from configuration strings: `pattern` is an ECMAScript regex matched case-insensitively.
// Throws std::regex_error for an invalid pattern, for the config to report with the rule's name,
// and for one beyond sane limits (2,000 characters, back-references past \\99, repeats past {1000}).
StageRule make_stage_rule(std::string name, core::Stage stage, std::string_view pattern, bool match_subject = true,
                          bool match_snippet = true);

// One decided history entry. `from` is nullopt for the creation event.
struct StageChange {
  std::optional<core::Stage> from;
  core::Stage to = core::Stage::lead;
  std::int64_t at = 0;  // Unix seconds of the message that caused it (0 if no date known)
  std::string rule;     // "first-contact", "two-way" or a StageRule's name
  std::int64_t thread = 0;
  std::string message_id;
  bool operator==(const StageChange&) const = default;
};

struct ContactEvaluation {
  core::Stage stage = core::Stage::lead;
  std::vector<StageChange> history;  // chronological: creation (lead), then forward moves
  std::string name;                  // latest non-empty display name ("" if none)
  std::optional<std::int64_t> first_seen, last_inbound, last_outbound, last_message_at;
  std::int64_t thread_count = 0, inbound_count = 0, outbound_count = 0;
  bool needs_reply = false;
  std::vector<std::int64_t> threads_needing_reply;  // ascending thread ids
};

// Decisions for one contact from the messages of all threads linked to it, in any order.
//
// Time order: by date, ties by row. A message without a date counts as the latest message of
// its thread (it sorts after the thread's dated messages, by row); in a thread with no dates
// at all, as the latest message of all the facts; with no dates anywhere, order is by row and
// times are unknown (events carry at = 0). The store avoids that by passing arrival times.
//
// Stage (each decision at the message that causes it, walked in time order, so the history
// is monotonic and the same however the facts arrive):
//  - lead, rule "first-contact": the earliest message that makes the address a contact
//    (human, not internal, the contact its author or a recipient); failing that, the earliest
//    message the contact appears in; failing that, the earliest fact. `first_seen` is its time.
//  - prospect, rule "two-way": the earliest message that completes, in some thread, the pair
//    "the contact authored a human message" + "the rep authored a human message" (outbound).
//    Being only a recipient, automated messages and colleagues' (internal) messages never count.
//  - StageRules: a human inbound message authored by the contact that matches. Of several
//    matching rules the highest stage wins (earlier rule on a tie). Rules may fire while the
//    contact is still a lead (an inquiry asking for a quote is an opportunity at once; the
//    later two-way completion is then not a forward move and is not recorded).
//  - A decision is recorded only if it raises stage_rank: nothing moves a contact backwards,
//    and disqualified is terminal. At one message, two-way is applied before rules.
// Aggregates: thread_count counts distinct threads; inbound_count/last_inbound the contact's
// human inbound messages; outbound_count/last_outbound the rep's human messages with the
// contact as recipient (the rep's auto-replies are not outreach); last_message_at the latest
// message the contact appears in (author or recipient, automated or not); name the latest
// non-empty contact_name, blanks trimmed. needs_reply: see thread_needs_reply, per thread.
// Empty `facts` yield a lead with no history.
ContactEvaluation evaluate_contact(std::span<const MessageFact> facts, std::span<const StageRule> rules);

// ARCHITECTURE.md "Needs reply": the latest human message of the thread is inbound from the contact
// and nothing answered it since. Automated messages (either way) are ignored: an auto-reply
// neither asks nor answers. An outbound message answers. A colleague's (internal) message
// answers only if the contact is among its recipients; internal discussion of a question is not
// an answer to it. When the store asks about a thread as a whole rather than one contact, it
// sets authored_by_contact / contact_is_recipient for "any contact".
// REQUIRES: `thread_messages` in time order (sort_chronologically).
bool thread_needs_reply(std::span<const MessageFact> thread_messages);

// Puts `facts` in the time order evaluate_contact uses (see above), for callers that need the
// same order, e.g. before thread_needs_reply.
void sort_chronologically(std::span<MessageFact> facts);

}  // namespace prospectd::rules
