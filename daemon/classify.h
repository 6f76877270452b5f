// Turns connector output into what the store keeps: each message with the rules' decisions
// (direction, automation, threading subject). Pure; thread-safe.
#pragma once

#include "connectors/message_meta.h"
#include "rules/identity.h"
#include "store/store.h"

namespace prospectd::daemon {

store::ClassifiedMessage classify_message(connectors::MessageMeta message,
                                          const rules::Identity& identity);

store::ClassifiedBatch classify_batch(connectors::Batch&& batch, const rules::Identity& identity);

}  // namespace prospectd::daemon
