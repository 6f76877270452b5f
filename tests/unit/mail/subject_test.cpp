// Behaviour of base_subject and has_reply_prefix (subject-fallback threading, ARCHITECTURE.md "Threads").
// Localised prefixes, list tags, forward wrappers, and linear time on hostile subjects.
#include "connectors/mail/subject.h"

#include <doctest/doctest.h>

#include <string>

namespace prospectd::connectors::mail {
namespace {

TEST_CASE("reply and forward prefixes of many languages are stripped, repeatedly") {
  CHECK(base_subject("Re: Angebot") == "Angebot");
  CHECK(base_subject("RE: AW: WG: Fwd: Angebot") == "Angebot");
  CHECK(base_subject("SV: VS: Antw: Doorst: RES: RV: ENC: TR: Odp: Angebot") == "Angebot");
  CHECK(base_subject("回复: 转发: 答复: 报价") == "报价");
  CHECK(base_subject("回复：报价") == "报价");   // full-width colon
  CHECK(base_subject("RE : Devis") == "Devis");  // French spacing
  CHECK(base_subject("Re[2]: Re(3) stays") == "Re(3) stays");
}

TEST_CASE("list tags and trailing (fwd) markers go, a [Fwd: ...] wrapper is opened") {
  CHECK(base_subject("[sales-team] Re: Pricing") == "Pricing");
  CHECK(base_subject("[EXTERNAL] RE: [acme] Pricing (fwd)") == "Pricing");
  CHECK(base_subject("[Fwd: Pricing for Q3]") == "Pricing for Q3");
  CHECK(base_subject("[ticket 42]") == "[ticket 42]");  // nothing but a tag: it is the subject
}

TEST_CASE("white space is collapsed and case is kept") {
  CHECK(base_subject("  Re:   Quarterly\t\r\n Review  ") == "Quarterly Review");
}

TEST_CASE("a word that only starts like a prefix is not one") {
  CHECK(base_subject("Reply needed: contract") == "Reply needed: contract");
  CHECK(base_subject("Request: demo") == "Request: demo");
}

TEST_CASE("reply prefixes make a reply, forward prefixes do not") {
  CHECK(has_reply_prefix("Re: Angebot"));
  CHECK(has_reply_prefix("AW: Angebot"));
  CHECK(has_reply_prefix("SV: Tilbud"));
  CHECK(has_reply_prefix("Antw: Offerte"));
  CHECK(has_reply_prefix("[EXTERNAL] RE: Pricing"));
  CHECK(has_reply_prefix("回复: 报价"));
  CHECK_FALSE(has_reply_prefix("Fwd: Re: Angebot"));
  CHECK_FALSE(has_reply_prefix("WG: Angebot"));
  CHECK_FALSE(has_reply_prefix("Angebot"));
  CHECK_FALSE(has_reply_prefix("Regarding the offer"));
}

TEST_CASE("a hostile subject is handled in linear time") {
  std::string tags;
  while (tags.size() < (1 << 20)) tags += "[a]";
  CHECK(base_subject(tags + " x") == "x");
  std::string prefixes;
  while (prefixes.size() < (1 << 20)) prefixes += "Re: ";
  CHECK(base_subject(prefixes + "x") == "x");
}

}  // namespace
}  // namespace prospectd::connectors::mail
