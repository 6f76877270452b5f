// Account config -> connector. An unobtainable secret is an `auth` error: the account is parked
// until its credentials change, and the message names the config key, never the value.
#include "sync/source_factory.h"

#include "config/secrets.h"
#include "connectors/gmail/gmail_source.h"
#include "connectors/gmail/google_oauth.h"
#include "connectors/imap/imap_source.h"

namespace prospectd::sync {

namespace {

std::expected<std::unique_ptr<connectors::MessageSource>, core::SourceError> make_gmail_source(
    const config::AccountConfig& account, const std::atomic<bool>* cancel) {
  auto secret = config::resolve_optional_secret(account.client_secret);
  if (!secret) {
    return std::unexpected(core::SourceError{core::ErrorKind::auth, secret.error()});
  }
  connectors::gmail::GmailSourceOptions options;
  options.api.api_base = account.api_base;
  options.api.ca_file = account.ca_file;
  options.api.cancel = cancel;
  options.api.units_per_second = account.quota_units_per_second;
  options.oauth = {account.client_id, std::move(*secret), account.token_uri,
                   account.name,      account.ca_file,    connectors::gmail::kProviderName};
  options.token_file = account.token_file;
  options.batch_size = std::min<std::uint32_t>(account.batch_size, 500);
  return std::make_unique<connectors::gmail::GmailSource>(std::move(options));
}

// auth = "oauth2": the stored sign-in and the client, as access tokens on demand. A missing or
// unreadable token file is an `auth` error that says to run `prospectd auth NAME`.
std::expected<std::shared_ptr<connectors::oauth::TokenSource>, core::SourceError> make_token_source(
    const config::AccountConfig& account) {
  auto secret = config::resolve_optional_secret(account.client_secret);
  if (!secret) return std::unexpected(core::SourceError{core::ErrorKind::auth, secret.error()});
  auto refresh_token = connectors::oauth::read_refresh_token(account.token_file, account.name);
  if (!refresh_token) return std::unexpected(refresh_token.error());
  connectors::oauth::OAuthClient client{account.client_id, std::move(*secret), account.oauth.token_uri,
                                        account.name,      account.ca_file,    account.oauth.provider_name};
  return std::make_shared<connectors::oauth::AccessTokens>(std::move(client), std::move(*refresh_token),
                                                           account.token_file);
}

std::optional<std::chrono::sys_days> first_day_of(const config::AccountConfig& account) {
  if (!account.since) return std::nullopt;
  return account.since->first_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
}

}  // namespace

std::expected<std::unique_ptr<connectors::MessageSource>, core::SourceError> make_source(
    const config::AccountConfig& account, const std::atomic<bool>* cancel) {
  if (account.type == "gmail") return make_gmail_source(account, cancel);
  if (account.type != "imap") {
    return std::unexpected(core::SourceError{
        core::ErrorKind::fatal, "account type \"" + account.type + "\" is not supported by this build yet"});
  }
  connectors::imap::ImapSourceOptions options;
  options.connect.url = account.url;
  options.connect.username = account.username;
  if (account.auth == "oauth2") {
    auto tokens = make_token_source(account);
    if (!tokens) return std::unexpected(tokens.error());
    options.tokens = std::move(*tokens);
  } else {
    auto secret = config::resolve_secret(account.password);
    if (!secret) {
      return std::unexpected(core::SourceError{core::ErrorKind::auth, secret.error()});
    }
    if (account.auth == "xoauth2") {
      options.connect.oauth2_bearer = std::move(*secret);
    } else {
      options.connect.password = std::move(*secret);
    }
  }
  options.connect.ca_file = account.ca_file;
  options.connect.cancel = cancel;
  options.connect.starttls = account.starttls == "required" ? connectors::imap::StartTls::required
                             : account.starttls == "off"    ? connectors::imap::StartTls::off
                                                            : connectors::imap::StartTls::automatic;
  options.folders = account.folders;
  options.batch_size = account.batch_size;
  options.since = first_day_of(account);
  return std::make_unique<connectors::imap::ImapSource>(std::move(options));
}

}  // namespace prospectd::sync
