// What `provider = "microsoft" | "google"` fills in for an IMAP account: the server, the OAuth
// 2.0 endpoints and scopes (ARCHITECTURE.md "Interfaces"). Constant data; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace prospectd::config {

struct ProviderPreset {
  std::string_view name;          // the config value: "microsoft", "google"
  std::string_view display_name;  // for messages: "Microsoft", "Google"
  std::string_view url;           // the IMAP server
  // OAuth endpoints; "{tenant}" is replaced by the account's tenant (Microsoft).
  std::string_view authorize_uri;
  std::string_view token_uri;
  std::string_view device_uri;  // empty: the provider offers no device flow for mail
  std::string_view scopes;      // space-separated
  // Extra authorization-request parameters (a refresh token with every sign-in).
  std::string_view authorize_extras;
  std::string_view default_tenant;  // empty: the provider has no tenants
};

// nullptr for "custom" and for names that are not presets.
const ProviderPreset* find_provider(std::string_view name);
// "microsoft", "google", "custom": the values `provider` accepts.
std::vector<std::string> provider_names();
// `text` with every "{tenant}" replaced.
std::string with_tenant(std::string_view text, std::string_view tenant);

}  // namespace prospectd::config
