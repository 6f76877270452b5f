// A stable Message-ID for messages that carry none, derived from their headers, so the same
// message seen in two folders (or fetched again) maps to the same id.
#pragma once

#include <string>

#include "core/message_meta.h"

namespace prospectd::store {

// "<32 hex digits>@synthetic.prospectd.invalid"; the same headers always give the same id.
std::string synthetic_message_id(const core::MessageMeta& message);

}  // namespace prospectd::store
