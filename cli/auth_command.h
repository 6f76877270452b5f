// `prospectd auth ACCOUNT`: Gmail sign-in by the installed-app loopback flow with PKCE.
// Runs on the main thread; the listener thread lives only while it waits.
#pragma once

#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct AuthCommandOptions {
  std::string account;
  bool no_browser = false;  // only print the URL
};

// Prints the sign-in URL (and tries to open the browser), receives the code on 127.0.0.1,
// exchanges it at token_uri and stores the refresh token in token_file (0600). Exit 0 when
// signed in, 1 otherwise with a one-line reason on stderr.
int run_auth_command(const config::Config& config, const AuthCommandOptions& options);

// The token file of a Gmail account: token_file, or DATA_DIR/NAME.gmail-token.json.
std::string gmail_token_file(const config::Config& config, const config::AccountConfig& account);

}  // namespace prospectd::cli
