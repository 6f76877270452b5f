// Stages, history, aggregates and needs-reply of one contact (ARCHITECTURE.md "Lifecycle"), from message facts
// as the store hands them over. Times are small numbers of seconds; rows follow arrival.
#include "rules/lifecycle.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace prospectd::rules {
namespace {

using Facts = std::vector<MessageFact>;

MessageFact message(std::int64_t row, std::int64_t thread, std::optional<std::int64_t> date,
                    core::Direction direction) {
  MessageFact fact;
  fact.row = row;
  fact.message_id = "m" + std::to_string(row) + "@example.com";
  fact.thread = thread;
  fact.date = date;
  fact.direction = direction;
  fact.subject = "Project";
  return fact;
}

// The contact writes to the rep.
MessageFact from_contact(std::int64_t row, std::int64_t thread, std::optional<std::int64_t> date,
                         std::string subject = "Project") {
  MessageFact fact = message(row, thread, date, core::Direction::inbound);
  fact.authored_by_contact = true;
  fact.subject = std::move(subject);
  return fact;
}

// The rep writes, to the contact unless told otherwise.
MessageFact from_rep(std::int64_t row, std::int64_t thread, std::optional<std::int64_t> date, bool to_contact = true) {
  MessageFact fact = message(row, thread, date, core::Direction::outbound);
  fact.contact_is_recipient = to_contact;
  return fact;
}

// Someone else outside writes to the rep, the contact on Cc unless told otherwise.
MessageFact from_other(std::int64_t row, std::int64_t thread, std::optional<std::int64_t> date,
                       bool cc_contact = true) {
  MessageFact fact = message(row, thread, date, core::Direction::inbound);
  fact.contact_is_recipient = cc_contact;
  return fact;
}

// A colleague of the rep writes, to the contact unless told otherwise.
MessageFact from_colleague(std::int64_t row, std::int64_t thread, std::optional<std::int64_t> date,
                           bool to_contact = true) {
  MessageFact fact = message(row, thread, date, core::Direction::internal);
  fact.contact_is_recipient = to_contact;
  return fact;
}

MessageFact automated(MessageFact fact) {
  fact.automated = true;
  return fact;
}

std::vector<StageRule> pricing_rule() {
  return {make_stage_rule("pricing", core::Stage::opportunity, "pricing|quote|demo|proposal")};
}

ContactEvaluation evaluate(const Facts& facts, const std::vector<StageRule>& rules = {}) {
  return evaluate_contact(facts, rules);
}

StageChange change(std::optional<core::Stage> from, core::Stage to, std::int64_t at, std::string rule,
                   std::int64_t thread, std::int64_t row) {
  return {from, to, at, std::move(rule), thread, "m" + std::to_string(row) + "@example.com"};
}

// --- lead -----------------------------------------------------------------------------------

TEST_CASE("a new contact is a lead, created at the first message that made it a contact") {
  const auto result = evaluate({from_rep(2, 1, 200), from_rep(1, 1, 100)});
  CHECK(result.stage == core::Stage::lead);
  CHECK(result.history ==
        std::vector<StageChange>{change(std::nullopt, core::Stage::lead, 100, "first-contact", 1, 1)});
  CHECK(result.first_seen == 100);
}

TEST_CASE("first seen ignores messages that could not have made the contact") {
  // Their auto-reply and a colleague's mail to them come first, but it was our mail that made
  // them a contact.
  const auto result = evaluate({automated(from_contact(1, 1, 100)), from_colleague(2, 2, 150), from_rep(3, 3, 200)});
  CHECK(result.first_seen == 200);
  CHECK(result.history.front() == change(std::nullopt, core::Stage::lead, 200, "first-contact", 3, 3));
}

TEST_CASE("empty facts yield a lead without history") {
  const auto result = evaluate({});
  CHECK(result.stage == core::Stage::lead);
  CHECK(result.history.empty());
  CHECK(result.thread_count == 0);
  CHECK_FALSE(result.first_seen.has_value());
  CHECK_FALSE(result.needs_reply);
}

// --- prospect -------------------------------------------------------------------------------

TEST_CASE("an inquiry we answered makes a prospect") {
  const auto result = evaluate({from_contact(1, 7, 100), from_rep(2, 7, 300)});
  CHECK(result.stage == core::Stage::prospect);
  CHECK(result.history ==
        std::vector<StageChange>{change(std::nullopt, core::Stage::lead, 100, "first-contact", 7, 1),
                                 change(core::Stage::lead, core::Stage::prospect, 300, "two-way", 7, 2)});
}

TEST_CASE("our outreach answered makes a prospect") {
  const auto result = evaluate({from_rep(1, 7, 100), from_contact(2, 7, 300)});
  CHECK(result.stage == core::Stage::prospect);
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 300, "two-way", 7, 2));
}

TEST_CASE("an answer to our mail forwarded to the contact makes a prospect") {
  // We wrote to someone else; they forwarded it; the contact answered in the same thread.
  const auto result = evaluate({from_rep(1, 7, 100, /*to_contact=*/false), from_other(2, 7, 200, /*cc_contact=*/false),
                                from_contact(3, 7, 300)});
  CHECK(result.stage == core::Stage::prospect);
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 300, "two-way", 7, 3));
}

TEST_CASE("the promotion records the message that completed the pair and its date") {
  // Thread 7: they wrote twice, we answered once; the answer completes the pair. Later
  // messages in the thread change nothing.
  const auto result = evaluate({from_contact(1, 7, 100), from_contact(2, 7, 150), from_rep(3, 7, 400),
                                from_contact(4, 7, 500), from_rep(5, 7, 600)});
  REQUIRE(result.history.size() == 2);
  CHECK(result.history[1] == change(core::Stage::lead, core::Stage::prospect, 400, "two-way", 7, 3));
}

TEST_CASE("the earliest completed pair across threads makes the promotion") {
  // Thread 1 starts first but completes later than thread 2.
  const auto result =
      evaluate({from_contact(1, 1, 100), from_rep(2, 2, 150), from_contact(3, 2, 200), from_rep(4, 1, 300)});
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 200, "two-way", 2, 3));
}

TEST_CASE("pairs are per thread: a message in one thread does not complete another") {
  const auto result = evaluate({from_contact(1, 1, 100), from_rep(2, 2, 200)});
  CHECK(result.stage == core::Stage::lead);
}

TEST_CASE("being only on Cc of a two-way thread is not enough") {
  // Bob and the rep talk; the contact is on Cc of both messages.
  const auto result = evaluate({from_other(1, 7, 100), from_rep(2, 7, 200)});
  CHECK(result.stage == core::Stage::lead);
  CHECK(result.history.size() == 1);
}

TEST_CASE("an out-of-office reply does not make a prospect") {
  const auto result = evaluate({from_rep(1, 7, 100), automated(from_contact(2, 7, 110))});
  CHECK(result.stage == core::Stage::lead);
  CHECK(result.inbound_count == 0);
  CHECK_FALSE(result.last_inbound.has_value());
}

TEST_CASE("a bounce never counts as a reply") {
  // The delivery report is not from the contact and is automated: nothing changes, and there
  // is nothing to answer.
  const auto result = evaluate({from_rep(1, 7, 100), automated(from_other(2, 7, 110, false))});
  CHECK(result.stage == core::Stage::lead);
  CHECK_FALSE(result.needs_reply);
  CHECK(result.inbound_count == 0);
}

TEST_CASE("the rep's auto-reply does not make a prospect") {
  const auto result = evaluate({from_contact(1, 7, 100), automated(from_rep(2, 7, 110))});
  CHECK(result.stage == core::Stage::lead);
  CHECK(result.outbound_count == 0);
  CHECK(result.needs_reply);
}

TEST_CASE("a colleague's answer does not count as the rep's") {
  const auto result = evaluate({from_contact(1, 7, 100), from_colleague(2, 7, 200)});
  CHECK(result.stage == core::Stage::lead);
}

// --- forward rules --------------------------------------------------------------------------

TEST_CASE("a pricing request moves a prospect to opportunity when the rule is on") {
  const Facts facts = {from_rep(1, 7, 100), from_contact(2, 7, 200), from_contact(3, 7, 300, "Re: Project - pricing?")};
  CHECK(evaluate(facts).stage == core::Stage::prospect);
  const auto result = evaluate(facts, pricing_rule());
  CHECK(result.stage == core::Stage::opportunity);
  CHECK(result.history.back() == change(core::Stage::prospect, core::Stage::opportunity, 300, "pricing", 7, 3));
}

TEST_CASE("a reply that completes the pair and asks for a quote records both moves") {
  const auto result = evaluate({from_rep(1, 7, 100), from_contact(2, 7, 200, "Re: Quote please")}, pricing_rule());
  CHECK(result.history ==
        std::vector<StageChange>{change(std::nullopt, core::Stage::lead, 100, "first-contact", 7, 1),
                                 change(core::Stage::lead, core::Stage::prospect, 200, "two-way", 7, 2),
                                 change(core::Stage::prospect, core::Stage::opportunity, 200, "pricing", 7, 2)});
}

TEST_CASE("an inbound request for a quote makes an opportunity before any answer") {
  // The two-way completion when we answer is then not a forward move and not recorded.
  const auto result = evaluate({from_contact(1, 7, 100, "Request for quote"), from_rep(2, 7, 200)}, pricing_rule());
  CHECK(result.stage == core::Stage::opportunity);
  CHECK(result.history ==
        std::vector<StageChange>{change(std::nullopt, core::Stage::lead, 100, "first-contact", 7, 1),
                                 change(core::Stage::lead, core::Stage::opportunity, 100, "pricing", 7, 1)});
}

TEST_CASE("rules never move a contact backwards") {
  std::vector<StageRule> rules = pricing_rule();
  rules.push_back(make_stage_rule("signed", core::Stage::customer, "signed"));
  const auto result = evaluate({from_rep(1, 7, 100), from_contact(2, 7, 200, "Contract signed"),
                                from_contact(3, 7, 300, "New pricing for next year?")},
                               rules);
  CHECK(result.stage == core::Stage::customer);
  for (std::size_t i = 1; i < result.history.size(); ++i) {
    CHECK(stage_rank(result.history[i].to) > stage_rank(*result.history[i].from));
    CHECK(result.history[i].at >= result.history[i - 1].at);
  }
  CHECK(result.history.back() == change(core::Stage::prospect, core::Stage::customer, 200, "signed", 7, 2));
}

TEST_CASE("a disqualified contact stays disqualified") {
  std::vector<StageRule> rules = pricing_rule();
  rules.push_back(make_stage_rule("not-interested", core::Stage::disqualified, "not interested|unsubscribe"));
  const auto result = evaluate({from_contact(1, 7, 100, "Not interested, thanks"), from_rep(2, 7, 200),
                                from_contact(3, 7, 300, "Pricing after all?")},
                               rules);
  CHECK(result.stage == core::Stage::disqualified);
  CHECK(result.history.size() == 2);
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::disqualified, 100, "not-interested", 7, 1));
}

TEST_CASE("when several rules match one message the highest stage wins") {
  std::vector<StageRule> rules = pricing_rule();
  rules.push_back(make_stage_rule("purchase-order", core::Stage::customer, "purchase order"));
  rules.push_back(make_stage_rule("quote-again", core::Stage::opportunity, "quote"));
  const auto result = evaluate({from_rep(1, 7, 100), from_contact(2, 7, 200, "quote and purchase order")}, rules);
  CHECK(result.stage == core::Stage::customer);
  CHECK(result.history.back().rule == "purchase-order");
}

TEST_CASE("a configured rule matches in any case and refuses an invalid pattern") {
  const StageRule rule = make_stage_rule("demo", core::Stage::opportunity, "\\bdemo\\b");
  CHECK(evaluate({from_rep(1, 7, 100), from_contact(2, 7, 200, "Can we book a DEMO?")}, {rule}).stage ==
        core::Stage::opportunity);
  CHECK(evaluate({from_rep(1, 7, 100), from_contact(2, 7, 200, "Demolition schedule")}, {rule}).stage ==
        core::Stage::prospect);
  CHECK_THROWS_AS(make_stage_rule("broken", core::Stage::opportunity, "pricing("), std::regex_error);
  // Beyond what libstdc++'s regex compiler handles safely: refused before it sees them.
  CHECK_THROWS_AS(make_stage_rule("huge-backref", core::Stage::opportunity, "\\11111111111111111111111b("),
                  std::regex_error);
  CHECK_THROWS_AS(make_stage_rule("huge-repeat", core::Stage::opportunity, "a{100000}"), std::regex_error);
  CHECK_THROWS_AS(make_stage_rule("huge-repeat-range", core::Stage::opportunity, "a{2,99999999999}"), std::regex_error);
  CHECK_THROWS_AS(make_stage_rule("too-long", core::Stage::opportunity, std::string(2001, 'a')), std::regex_error);
  CHECK_NOTHROW(make_stage_rule("sane", core::Stage::opportunity, "(quote)\\1|x{2,1000}|\\{99999\\}"));
}

TEST_CASE("a rule reads the snippet too, unless told not to") {
  MessageFact ask = from_contact(2, 7, 200, "Re: Project");
  ask.snippet = "Could you send us a proposal by Friday?";
  const Facts facts = {from_rep(1, 7, 100), ask};
  CHECK(evaluate(facts, pricing_rule()).stage == core::Stage::opportunity);
  std::vector<StageRule> subject_only = pricing_rule();
  subject_only[0].match_snippet = false;
  CHECK(evaluate(facts, subject_only).stage == core::Stage::prospect);
}

TEST_CASE("rules fire only on the contact's own human messages") {
  MessageFact auto_reply = automated(from_contact(2, 7, 200, "Out of office: pricing"));
  MessageFact our_offer = from_rep(3, 7, 300);
  our_offer.subject = "Our pricing";
  MessageFact someone_else = from_other(4, 7, 400);
  someone_else.subject = "Pricing?";
  const auto result = evaluate({from_rep(1, 7, 100), auto_reply, our_offer, someone_else}, pricing_rule());
  CHECK(result.stage == core::Stage::lead);
}

// --- order and determinism ------------------------------------------------------------------

TEST_CASE("the decisions are the same whatever order the facts arrive in") {
  Facts facts = {from_rep(1, 1, 100),  from_contact(2, 1, 200), from_contact(3, 2, 150, "quote"),  from_rep(4, 2, 250),
                 from_other(5, 3, 50), from_contact(6, 3, 260), automated(from_contact(7, 1, 210))};
  facts[5].contact_name = "Jane";
  facts[1].contact_name = "Jane Doe";
  std::ranges::sort(facts, {}, &MessageFact::row);
  const auto expected = evaluate(facts, pricing_rule());
  do {
    const auto result = evaluate(facts, pricing_rule());
    CHECK(result.history == expected.history);
    CHECK(result.name == expected.name);
    CHECK(result.threads_needing_reply == expected.threads_needing_reply);
    CHECK(result.last_message_at == expected.last_message_at);
  } while (std::ranges::next_permutation(facts, {}, &MessageFact::row).found);
}

TEST_CASE("messages at the same second are ordered by row") {
  const auto result = evaluate({from_contact(2, 7, 100), from_rep(1, 7, 100)});
  // The rep's message (row 1) came first, so the contact's (row 2) completed the pair.
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 100, "two-way", 7, 2));
}

TEST_CASE("a message without a date counts as the latest of its thread") {
  // Row 1 has no date: it sorts after the thread's dated messages, at their latest date.
  const auto result = evaluate({from_rep(1, 7, std::nullopt), from_contact(2, 7, 100), from_contact(3, 7, 200)});
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 200, "two-way", 7, 1));
  CHECK_FALSE(result.needs_reply);
  CHECK(result.last_outbound == 200);
}

TEST_CASE("a thread without any dates sorts after every dated message") {
  const auto result = evaluate({from_contact(1, 8, std::nullopt), from_rep(2, 8, std::nullopt), from_rep(3, 9, 500)});
  CHECK(result.first_seen == 500);
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 500, "two-way", 8, 2));
}

TEST_CASE("without any dates order is by row and times are unknown") {
  const auto result = evaluate({from_rep(2, 7, std::nullopt), from_contact(1, 7, std::nullopt)});
  CHECK(result.stage == core::Stage::prospect);
  CHECK(result.history.back() == change(core::Stage::lead, core::Stage::prospect, 0, "two-way", 7, 2));
  CHECK_FALSE(result.first_seen.has_value());
  CHECK_FALSE(result.last_message_at.has_value());
  CHECK(result.inbound_count == 1);
}

TEST_CASE("sort_chronologically gives evaluate_contact's order") {
  Facts facts = {from_rep(1, 7, std::nullopt), from_contact(4, 7, 100), from_contact(2, 7, 100), from_rep(3, 8, 50)};
  sort_chronologically(facts);
  std::vector<std::int64_t> rows;
  for (const MessageFact& fact : facts) rows.push_back(fact.row);
  CHECK(rows == std::vector<std::int64_t>{3, 2, 4, 1});
}

// --- name and aggregates --------------------------------------------------------------------

TEST_CASE("the name is the latest non-empty display name") {
  Facts facts = {from_contact(1, 7, 100), from_rep(2, 7, 200), from_contact(3, 7, 300), from_rep(4, 7, 400)};
  facts[0].contact_name = "jane";
  facts[1].contact_name = "Jane Doe";
  facts[2].contact_name = "  ";
  facts[3].contact_name = "";
  CHECK(evaluate(facts).name == "Jane Doe");
}

TEST_CASE("the aggregates count the contact's messages and ours to them") {
  const auto result = evaluate({
      from_rep(1, 1, 100),                        // outbound to them
      from_contact(2, 1, 200),                    // inbound from them
      automated(from_contact(3, 1, 210)),         // their auto-reply: not inbound
      from_rep(4, 2, 300, /*to_contact=*/false),  // ours to someone else: not outbound
      from_other(5, 2, 350),                      // on Cc: appears, not inbound
      automated(from_rep(6, 3, 360)),             // our auto-reply: not outbound
      from_colleague(7, 3, 380),                  // a colleague's: not outbound
  });
  CHECK(result.thread_count == 3);
  CHECK(result.inbound_count == 1);
  CHECK(result.outbound_count == 1);
  CHECK(result.first_seen == 100);
  CHECK(result.last_inbound == 200);
  CHECK(result.last_outbound == 100);
  CHECK(result.last_message_at == 380);
}

// --- needs reply ----------------------------------------------------------------------------

TEST_CASE("an unanswered message from the contact needs a reply") {
  const auto result = evaluate({from_rep(1, 7, 100), from_contact(2, 7, 200)});
  CHECK(result.needs_reply);
  CHECK(result.threads_needing_reply == std::vector<std::int64_t>{7});
}

TEST_CASE("needs reply is cleared by a later outbound message") {
  const Facts facts = {from_contact(1, 7, 100), from_rep(2, 7, 200)};
  CHECK_FALSE(evaluate(facts).needs_reply);
  CHECK_FALSE(thread_needs_reply(facts));
  CHECK(thread_needs_reply(std::span(facts).first(1)));
}

TEST_CASE("auto-replies neither ask nor answer") {
  CHECK(thread_needs_reply(Facts{from_contact(1, 7, 100), automated(from_rep(2, 7, 200))}));
  CHECK_FALSE(thread_needs_reply(Facts{from_rep(1, 7, 100), automated(from_contact(2, 7, 200))}));
}

TEST_CASE("a colleague's answer to the contact clears needs reply, internal discussion does not") {
  CHECK_FALSE(thread_needs_reply(Facts{from_contact(1, 7, 100), from_colleague(2, 7, 200)}));
  CHECK(thread_needs_reply(Facts{from_contact(1, 7, 100), from_colleague(2, 7, 200, /*to_contact=*/false)}));
}

TEST_CASE("a later message from someone else is not this contact's question") {
  const auto result = evaluate({from_contact(1, 7, 100), from_other(2, 7, 200)});
  CHECK_FALSE(result.needs_reply);
}

TEST_CASE("needs reply lists every waiting thread in ascending order") {
  const auto result =
      evaluate({from_contact(1, 9, 100), from_contact(2, 3, 200), from_contact(3, 5, 300), from_rep(4, 5, 400)});
  CHECK(result.threads_needing_reply == std::vector<std::int64_t>{3, 9});
  CHECK(result.needs_reply);
}

}  // namespace
}  // namespace prospectd::rules
