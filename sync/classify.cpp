// Applies rules/ to each fetched message before it is stored.
// The base subject is lower-cased so that subject threading ignores case.
#include "sync/classify.h"

#include <algorithm>

#include "connectors/mail/subject.h"
#include "rules/automation.h"
#include "rules/company.h"
#include "rules/contact_candidates.h"

namespace prospectd::sync {

store::ClassifiedMessage classify_message(core::MessageMeta message, const RulesContext& rules) {
  store::ClassifiedMessage classified;
  const core::Direction direction = rules::classify_direction(message, rules.identity);
  classified.direction = direction;
  classified.automation = rules::automation_reason(message).value_or("");
  classified.base_subject = connectors::mail::base_subject(message.subject);
  std::transform(classified.base_subject.begin(), classified.base_subject.end(), classified.base_subject.begin(),
                 [](unsigned char c) { return static_cast<char>(c < 0x80 ? std::tolower(c) : c); });
  classified.is_reply_subject = connectors::mail::has_reply_prefix(message.subject);
  for (auto& candidate :
       rules::contact_candidates(message, direction, !classified.automation.empty(), rules.identity, rules.blocklist)) {
    auto company = rules::company_domain(candidate.email);
    classified.contacts.push_back(store::ContactCandidate{std::move(candidate.email), std::move(candidate.raw_email),
                                                          std::move(candidate.name), std::move(company)});
  }
  classified.meta = std::move(message);
  return classified;
}

store::ClassifiedBatch classify_batch(core::Batch&& batch, const RulesContext& rules) {
  store::ClassifiedBatch classified;
  classified.messages.reserve(batch.messages.size());
  for (auto& message : batch.messages) {
    classified.messages.push_back(classify_message(std::move(message), rules));
  }
  classified.checkpoint = std::move(batch.checkpoint);
  classified.reset_scope = batch.reset_scope;
  return classified;
}

}  // namespace prospectd::sync
