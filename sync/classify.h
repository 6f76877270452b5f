// Turns connector output into what the store keeps: each message with the rules' decisions
// (direction, automation, threading subject, who becomes a contact). Pure; thread-safe.
#pragma once

#include "core/batch.h"
#include "core/message_meta.h"
#include "store/store.h"
#include "sync/rules_context.h"

namespace prospectd::sync {

store::ClassifiedMessage classify_message(core::MessageMeta message, const RulesContext& rules);

store::ClassifiedBatch classify_batch(core::Batch&& batch, const RulesContext& rules);

}  // namespace prospectd::sync
