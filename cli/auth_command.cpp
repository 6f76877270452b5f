// `prospectd auth`: one sign-in for both account types. The provider's endpoints come from the
// config (provider presets and oauth_* overrides, or Google's for the gmail type); the flows are
// connectors/oauth's.
#include "cli/auth_command.h"

#include <cstdio>

#include "cli/browser.h"
#include "cli/failure.h"
#include "config/secrets.h"
#include "connectors/gmail/google_oauth.h"
#include "connectors/oauth/loopback_sign_in.h"
#include "connectors/oauth/oauth.h"
#include "util/text.h"

namespace prospectd::cli {
namespace {

namespace oauth = connectors::oauth;

// Everything a sign-in needs, whichever the account type.
struct SignIn {
  oauth::OAuthClient client;
  config::OAuthEndpoints endpoints;
  std::string token_file;
};

std::expected<SignIn, std::string> sign_in_settings(const config::Config& config,
                                                    const config::AccountConfig& account) {
  SignIn sign_in;
  if (account.type == "gmail") {
    sign_in.endpoints = {connectors::gmail::kAuthorizationEndpoint,
                         account.token_uri,
                         "",
                         connectors::gmail::kScopes,
                         connectors::gmail::kAuthorizationExtras,
                         connectors::gmail::kProviderName};
  } else if (account.auth == "oauth2") {
    sign_in.endpoints = account.oauth;
  } else {
    return std::unexpected(
        "account \"" + account.name + "\" signs in with " +
        (account.auth == "xoauth2" ? "a token from " + account.password.config_key : std::string("a password")) +
        "; `auth` is for gmail accounts and imap accounts with auth = \"oauth2\"");
  }
  auto secret = config::resolve_optional_secret(account.client_secret);
  if (!secret) return std::unexpected(secret.error());
  sign_in.client = {account.client_id, *secret,         sign_in.endpoints.token_uri,
                    account.name,      account.ca_file, sign_in.endpoints.provider_name};
  sign_in.token_file = config.token_file_of(account).string();
  return sign_in;
}

int store_sign_in(const SignIn& sign_in, const oauth::TokenResponse& tokens) {
  if (tokens.refresh_token.empty()) {
    return report_failure(sign_in.endpoints.provider_name +
                          " sent no refresh token (was offline access, e.g. the offline_access scope, granted?); "
                          "prospectd could not keep signing in");
  }
  auto written = oauth::write_refresh_token(sign_in.token_file, tokens.refresh_token);
  if (!written) return report_failure(written.error());
  std::printf("Signed in. The refresh token is in %s (mode 0600).\n", sign_in.token_file.c_str());
  return 0;
}

// RFC 8252 §7.3: the browser comes back to a listener on 127.0.0.1 with the code.
int loopback_sign_in(const config::AccountConfig& account, const SignIn& sign_in, bool no_browser) {
  if (sign_in.endpoints.authorize_uri.empty()) {
    return report_failure("accounts." + account.name +
                          ": no authorization endpoint (set oauth_authorize_uri), or use --device");
  }
  const oauth::Pkce pkce = oauth::make_pkce();
  const std::string state = oauth::random_token();
  auto receiver = oauth::LoopbackReceiver::start(state);
  if (!receiver) return report_failure(receiver.error());
  const std::string redirect_uri = (*receiver)->redirect_uri();
  const std::string url =
      oauth::authorization_url(sign_in.endpoints.authorize_uri, account.client_id, redirect_uri, pkce, state,
                               sign_in.endpoints.scopes, sign_in.endpoints.authorize_extras);
  std::printf(
      "Open this address in a browser to let prospectd read %s's mail headers:\n\n  %s\n\n"
      "Waiting for %s to send you back to %s ...\n",
      account.name.c_str(), url.c_str(), sign_in.endpoints.provider_name.c_str(), redirect_uri.c_str());
  std::fflush(stdout);
  if (!no_browser) open_browser(url);
  auto code = (*receiver)->wait_for_code(std::chrono::minutes(5));
  if (!code) return report_failure("sign-in failed: " + util::printable(code.error()));
  auto tokens = oauth::exchange_code(sign_in.client, *code, pkce.verifier, redirect_uri);
  if (!tokens) return report_failure("sign-in failed: " + util::printable(tokens.error().message));
  return store_sign_in(sign_in, *tokens);
}

// RFC 8628: a code to enter on any device with a browser, while this one polls.
int device_sign_in(const config::AccountConfig& account, const SignIn& sign_in) {
  if (sign_in.endpoints.device_uri.empty()) {
    if (sign_in.endpoints.provider_name == "Google") {
      return report_failure(
          "Google offers no device sign-in for mail: run `prospectd auth " + account.name +
          "` without --device (on a server, forward the port it prints with ssh -L and open the address locally)");
    }
    return report_failure("accounts." + account.name + ": no device authorization endpoint (set oauth_device_uri)");
  }
  auto device = oauth::request_device_code(sign_in.client, sign_in.endpoints.device_uri, sign_in.endpoints.scopes);
  if (!device) return report_failure("sign-in failed: " + util::printable(device.error().message));
  std::printf("open %s and enter the code %s\n", util::printable(device->verification_uri).c_str(),
              util::printable(device->user_code).c_str());
  std::printf("Waiting for the sign-in (the code is valid for %lld minutes) ...\n",
              static_cast<long long>((device->expires_in.count() + 59) / 60));
  std::fflush(stdout);
  auto tokens = oauth::poll_device_token(sign_in.client, device->device_code, device->interval, device->expires_in);
  if (!tokens) return report_failure(util::printable(tokens.error().message));
  return store_sign_in(sign_in, *tokens);
}

}  // namespace

int run_auth_command(const config::Config& config, const AuthCommandOptions& options) {
  const config::AccountConfig* account = config.find_account(options.account);
  if (!account) return report_failure("no account named \"" + options.account + "\" in " + config.source.string());
  auto sign_in = sign_in_settings(config, *account);
  if (!sign_in) return report_failure(sign_in.error());
  if (options.device) return device_sign_in(*account, *sign_in);
  return loopback_sign_in(*account, *sign_in, options.no_browser);
}

}  // namespace prospectd::cli
