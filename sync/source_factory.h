// Builds the connector for a configured account, resolving its secrets.
// Secrets live only inside the connector; they are never logged.
#pragma once

#include <atomic>
#include <expected>
#include <memory>

#include "config/config.h"
#include "connectors/message_source.h"

namespace prospectd::sync {

// `cancel` (optional) lets a shutdown interrupt the connector's network waits.
std::expected<std::unique_ptr<connectors::MessageSource>, core::SourceError> make_source(
    const config::AccountConfig& account, const std::atomic<bool>* cancel = nullptr);

}  // namespace prospectd::sync
