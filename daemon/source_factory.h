// Builds the connector for a configured account, resolving its secrets.
// Secrets live only inside the connector; they are never logged.
#pragma once

#include <expected>
#include <memory>

#include "connectors/message_source.h"
#include "daemon/config.h"

namespace prospectd::daemon {

std::expected<std::unique_ptr<connectors::MessageSource>, connectors::SourceError> make_source(
    const AccountConfig& account);

}  // namespace prospectd::daemon
