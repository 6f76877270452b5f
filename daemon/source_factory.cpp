// Account config -> connector. An unobtainable secret is an `auth` error: the account is parked
// until its credentials change, and the message names the config key, never the value.
#include "daemon/source_factory.h"

#include "connectors/imap/imap_source.h"
#include "daemon/secrets.h"

namespace prospectd::daemon {

std::expected<std::unique_ptr<connectors::MessageSource>, connectors::SourceError> make_source(
    const AccountConfig& account, const std::atomic<bool>* cancel) {
  if (account.type != "imap") {
    return std::unexpected(connectors::SourceError{
        connectors::ErrorKind::fatal, "account type \"" + account.type + "\" is not supported by this build yet"});
  }
  auto secret = resolve_secret(account.password);
  if (!secret) {
    return std::unexpected(connectors::SourceError{connectors::ErrorKind::auth, secret.error()});
  }
  connectors::imap::ImapSourceOptions options;
  options.connect.url = account.url;
  options.connect.username = account.username;
  if (account.auth == "xoauth2") {
    options.connect.oauth2_bearer = std::move(*secret);
  } else {
    options.connect.password = std::move(*secret);
  }
  options.connect.ca_file = account.ca_file;
  options.connect.cancel = cancel;
  options.connect.starttls = account.starttls == "required" ? connectors::imap::StartTls::required
                             : account.starttls == "off"    ? connectors::imap::StartTls::off
                                                            : connectors::imap::StartTls::automatic;
  options.folders = account.folders;
  options.batch_size = account.batch_size;
  return std::make_unique<connectors::imap::ImapSource>(std::move(options));
}

}  // namespace prospectd::daemon
