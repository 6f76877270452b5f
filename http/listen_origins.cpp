// listen_origins: the Host list any loopback name may use; the origin list is narrower (the listen
// origin, and localhost beside a loopback address) because an origin names the page that sent a request.
#include "http/listen_origins.h"

#include "util/text.h"

namespace prospectd::http {
namespace {

std::string bracketed(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

bool is_wildcard(const std::string& host) { return host == "0.0.0.0" || host == "::"; }

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host == "localhost"; }

}  // namespace

ListenOrigins listen_origins(const util::HostPort& listen, int port) {
  const std::string suffix = ":" + std::to_string(port);
  const std::string host = bracketed(util::ascii_lowercase(listen.host));
  ListenOrigins result;
  result.hosts = {"127.0.0.1" + suffix, "localhost" + suffix, "[::1]" + suffix, host + suffix, host};
  const std::string own = util::ascii_lowercase(listen.host);
  if (is_wildcard(own)) {
    for (const char* name : {"127.0.0.1", "localhost", "[::1]"})
      result.origins.push_back("http://" + std::string(name) + suffix);
  } else {
    result.origins.push_back("http://" + host + suffix);
    if (is_loopback(own) && own != "localhost") result.origins.push_back("http://localhost" + suffix);
    if (own == "localhost") {
      result.origins.push_back("http://127.0.0.1" + suffix);
      result.origins.push_back("http://[::1]" + suffix);
    }
  }
  return result;
}

std::string local_authority(const util::HostPort& listen, int port) {
  const std::string host = util::ascii_lowercase(listen.host);
  if (host == "0.0.0.0") return "127.0.0.1:" + std::to_string(port);
  if (host == "::") return "[::1]:" + std::to_string(port);
  return bracketed(listen.host) + ":" + std::to_string(port);
}

}  // namespace prospectd::http
