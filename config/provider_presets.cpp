// The provider table. Microsoft: "Authenticate an IMAP, POP or SMTP connection using OAuth"
// (learn.microsoft.com, Exchange Online) and the identity platform's v2.0 endpoints; Google:
// "OAuth 2.0 for Mobile & Desktop Apps" and the IMAP scope https://mail.google.com/.
#include "config/provider_presets.h"

#include <array>

namespace prospectd::config {
namespace {

constexpr std::array kPresets{
    ProviderPreset{
        .name = "microsoft",
        .display_name = "Microsoft",
        .url = "imaps://outlook.office365.com:993",
        .authorize_uri = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        .token_uri = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        .device_uri = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
        // offline_access: a refresh token, so the daemon can keep signing in.
        .scopes = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        .authorize_extras = "",
        .default_tenant = "common",
    },
    ProviderPreset{
        .name = "google",
        .display_name = "Google",
        .url = "imaps://imap.gmail.com:993",
        .authorize_uri = "https://accounts.google.com/o/oauth2/v2/auth",
        .token_uri = "https://oauth2.googleapis.com/token",
        // Google's device flow does not allow the mail scope ("Allowed scopes" of OAuth 2.0
        // for TV and Limited-Input Device Applications).
        .device_uri = "",
        .scopes = "https://mail.google.com/",
        .authorize_extras = "access_type=offline&prompt=consent",
        .default_tenant = "",
    },
};

}  // namespace

const ProviderPreset* find_provider(std::string_view name) {
  for (const auto& preset : kPresets) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::vector<std::string> provider_names() {
  std::vector<std::string> names;
  for (const auto& preset : kPresets) names.emplace_back(preset.name);
  names.emplace_back("custom");
  return names;
}

std::string with_tenant(std::string_view text, std::string_view tenant) {
  std::string result(text);
  constexpr std::string_view placeholder = "{tenant}";
  for (auto at = result.find(placeholder); at != std::string::npos; at = result.find(placeholder, at)) {
    result.replace(at, placeholder.size(), tenant);
    at += tenant.size();
  }
  return result;
}

}  // namespace prospectd::config
