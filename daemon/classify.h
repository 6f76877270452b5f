// Turns connector output into what the store keeps: each message with the rules' decisions
// (direction, automation, threading subject, who becomes a contact). Pure; thread-safe.
#pragma once

#include "connectors/message_meta.h"
#include "daemon/rules_context.h"
#include "store/store.h"

namespace prospectd::daemon {

store::ClassifiedMessage classify_message(connectors::MessageMeta message, const RulesContext& rules);

store::ClassifiedBatch classify_batch(connectors::Batch&& batch, const RulesContext& rules);

}  // namespace prospectd::daemon
