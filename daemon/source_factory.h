// Builds the connector for a configured account, resolving its secrets.
// Secrets live only inside the connector; they are never logged.
#pragma once

#include <atomic>
#include <expected>
#include <memory>

#include "connectors/message_source.h"
#include "daemon/config.h"

namespace prospectd::daemon {

// `cancel` (optional) lets a shutdown interrupt the connector's network waits.
std::expected<std::unique_ptr<connectors::MessageSource>, connectors::SourceError> make_source(
    const AccountConfig& account, const std::atomic<bool>* cancel = nullptr);

}  // namespace prospectd::daemon
