// Applies rules/ to each fetched message before it is stored.
// The base subject is lower-cased so that subject threading ignores case.
#include "daemon/classify.h"

#include <algorithm>

#include "connectors/mail/subject.h"
#include "rules/automation.h"

namespace prospectd::daemon {

store::ClassifiedMessage classify_message(connectors::MessageMeta message,
                                          const rules::Identity& identity) {
  store::ClassifiedMessage classified;
  classified.direction = rules::to_string(rules::classify_direction(message, identity));
  classified.automation = rules::automation_reason(message).value_or("");
  classified.base_subject = connectors::mail::base_subject(message.subject);
  std::transform(classified.base_subject.begin(), classified.base_subject.end(),
                 classified.base_subject.begin(), [](unsigned char c) {
                   return static_cast<char>(c < 0x80 ? std::tolower(c) : c);
                 });
  classified.is_reply_subject = connectors::mail::has_reply_prefix(message.subject);
  classified.meta = std::move(message);
  return classified;
}

store::ClassifiedBatch classify_batch(connectors::Batch&& batch, const rules::Identity& identity) {
  store::ClassifiedBatch classified;
  classified.messages.reserve(batch.messages.size());
  for (auto& message : batch.messages) {
    classified.messages.push_back(classify_message(std::move(message), identity));
  }
  classified.checkpoint = std::move(batch.checkpoint);
  classified.reset_scope = batch.reset_scope;
  return classified;
}

}  // namespace prospectd::daemon
