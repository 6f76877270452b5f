// `prospectd auth ACCOUNT`: Gmail sign-in by the installed-app loopback flow with PKCE
// (RFC 8252 §7.3, RFC 7636); the refresh token goes to the account's token file, 0600.
#include "cli/auth_command.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>

#include "config/secrets.h"
#include "connectors/gmail/google_oauth.h"
#include "connectors/oauth/loopback_sign_in.h"
#include "connectors/oauth/oauth.h"
#include "util/text.h"

extern char** environ;

namespace prospectd::cli {
namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "prospectd: %s\n", message.c_str());
  return 1;
}

// Best effort: xdg-open (Linux) or open (macOS); the printed URL works without it.
void open_browser(const std::string& url) {
#ifdef __APPLE__
  const char* opener = "open";
#else
  const char* opener = "xdg-open";
#endif
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 0, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", 0, 0);
  std::string program = opener;
  std::string argument = url;
  char* argv[] = {program.data(), argument.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, opener, &actions, nullptr, argv, environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
  }
  posix_spawn_file_actions_destroy(&actions);
}

}  // namespace

std::string gmail_token_file(const config::Config& config, const config::AccountConfig& account) {
  if (!account.token_file.empty()) return account.token_file;
  return (config.data_dir / (account.name + ".gmail-token.json")).string();
}

int run_auth_command(const config::Config& config, const AuthCommandOptions& options) {
  const config::AccountConfig* account = config.find_account(options.account);
  if (!account) return fail("no account named \"" + options.account + "\" in " + config.source.string());
  if (account->type != "gmail") {
    return fail("account \"" + account->name + "\" is of type " + account->type +
                "; `auth` signs in to gmail accounts");
  }
  if (account->client_id.empty()) return fail("accounts." + account->name + ".client_id is not set");
  auto secret = config::resolve_secret(account->client_secret);
  if (!secret) return fail(secret.error());

  namespace oauth = connectors::oauth;
  oauth::OAuthClient client{account->client_id, *secret, account->token_uri,
                            account->name,      {},      connectors::gmail::kProviderName};
  const oauth::Pkce pkce = oauth::make_pkce();
  const std::string state = oauth::random_token();
  auto receiver = oauth::LoopbackReceiver::start(state);
  if (!receiver) return fail(receiver.error());
  const std::string redirect_uri = (*receiver)->redirect_uri();
  const std::string url = connectors::gmail::authorization_url(account->client_id, redirect_uri, pkce, state);
  std::printf(
      "Open this address in a browser to let prospectd read %s's mail headers:\n\n  %s\n\n"
      "Waiting for Google to send you back to %s ...\n",
      account->name.c_str(), url.c_str(), redirect_uri.c_str());
  std::fflush(stdout);
  if (!options.no_browser) open_browser(url);

  auto code = (*receiver)->wait_for_code(std::chrono::minutes(5));
  if (!code) return fail("sign-in failed: " + code.error());
  auto tokens = oauth::exchange_code(client, *code, pkce.verifier, redirect_uri);
  if (!tokens) return fail("sign-in failed: " + util::printable(tokens.error().message));
  if (tokens->refresh_token.empty()) {
    return fail(
        "Google sent no refresh token; remove prospectd at https://myaccount.google.com/permissions "
        "and run `prospectd auth " +
        account->name + "` again");
  }
  const std::string file = gmail_token_file(config, *account);
  auto written = oauth::write_refresh_token(file, tokens->refresh_token);
  if (!written) return fail(written.error());
  std::printf("Signed in. The refresh token is in %s (mode 0600).\n", file.c_str());
  return 0;
}

}  // namespace prospectd::cli
