// `prospectd auth ACCOUNT [--device]`: OAuth 2.0 sign-in of a Gmail account or an IMAP account
// with auth = "oauth2" -- the loopback flow with PKCE (RFC 8252, RFC 7636) or the device grant
// (RFC 8628); the refresh token goes to the account's token file, 0600. Main thread.
#pragma once

#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct AuthCommandOptions {
  std::string account;
  bool no_browser = false;  // only print the URL
  bool device = false;      // the device grant: a code to enter on another device
};

// Signs the account in and stores its refresh token. Exit 0 when signed in, 1 otherwise with a
// one-line reason, the last line on stderr.
int run_auth_command(const config::Config& config, const AuthCommandOptions& options);

}  // namespace prospectd::cli
