// The [team] table and [[webhooks]] entries of the config: read and validated (a URI carrying a
// password, a webhook that is not https or loopback http: errors with file:line:key). Loading thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/table_reader.h"

namespace prospectd::config {

// Why `url` cannot be a webhook target, or nullopt when it can: https://, or http:// to a
// loopback address (127.0.0.0/8, [::1], localhost).
std::optional<std::string> webhook_url_problem(std::string_view url);

// Why `database` is not a libpq connection string prospectd accepts, or nullopt.
std::optional<std::string> team_database_problem(std::string_view database);

TeamConfig read_team(detail::TableReader& reader);
WebhookConfig read_webhook(detail::TableReader& reader);

}  // namespace prospectd::config
