// Google's side of OAuth 2.0 for the Gmail account type: the endpoint, the scopes and the
// parameters Google wants; the flow itself is connectors/oauth (provider-neutral).
#pragma once

#include <string>

#include "connectors/oauth/oauth.h"

namespace prospectd::connectors::gmail {

// Google's authorization endpoint for installed apps.
inline constexpr const char* kAuthorizationEndpoint = "https://accounts.google.com/o/oauth2/v2/auth";
// Google's token endpoint (the config's default `token_uri`).
inline constexpr const char* kTokenEndpoint = "https://oauth2.googleapis.com/token";
// Metadata (headers, labels, history; no bodies) and sendAs aliases.
inline constexpr const char* kScopes =
    "https://www.googleapis.com/auth/gmail.metadata "
    "https://www.googleapis.com/auth/gmail.settings.basic";
// A refresh token with every sign-in, also when the user consented before.
inline constexpr const char* kAuthorizationExtras = "access_type=offline&prompt=consent";
// Names the provider in OAuth error messages.
inline constexpr const char* kProviderName = "Google";

// The authorization URL for Gmail: Google's endpoint, the Gmail scopes, offline access.
inline std::string authorization_url(const std::string& client_id, const std::string& redirect_uri,
                                     const oauth::Pkce& pkce, const std::string& state) {
  return oauth::authorization_url(kAuthorizationEndpoint, client_id, redirect_uri, pkce, state, kScopes,
                                  kAuthorizationExtras);
}

}  // namespace prospectd::connectors::gmail
