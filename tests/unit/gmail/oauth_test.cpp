// PKCE (RFC 7636 appendix B vector), the authorization URL, and the 0600 token file.
#include "connectors/gmail/oauth.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace gmail = prospectd::connectors::gmail;

TEST_CASE("the S256 challenge matches RFC 7636 appendix B") {
  CHECK(gmail::s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  const gmail::Pkce pkce = gmail::make_pkce();
  CHECK(pkce.verifier.size() == 64);
  CHECK(pkce.challenge == gmail::s256_challenge(pkce.verifier));
  CHECK(gmail::make_pkce().verifier != pkce.verifier);
}

TEST_CASE("the authorization URL asks for offline access with PKCE S256 and the loopback redirect") {
  const gmail::Pkce pkce{"v", "CHALLENGE"};
  const std::string url = gmail::authorization_url(gmail::kAuthorizationEndpoint, "id.apps.googleusercontent.com",
                                                   "http://127.0.0.1:4711", pkce, "STATE");
  CHECK(url.starts_with("https://accounts.google.com/o/oauth2/v2/auth?response_type=code&"));
  CHECK(url.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A4711") != std::string::npos);
  CHECK(url.find("code_challenge=CHALLENGE&code_challenge_method=S256") != std::string::npos);
  CHECK(url.find("state=STATE") != std::string::npos);
  CHECK(url.find("access_type=offline") != std::string::npos);
  CHECK(url.find("gmail.metadata") != std::string::npos);
}

TEST_CASE("the refresh token is written 0600 and read back; a missing file says to sign in") {
  const auto dir = std::filesystem::temp_directory_path() / ("prospectd-oauth-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto file = dir / "sub" / "token.json";
  auto missing = gmail::read_refresh_token(file, "work");
  REQUIRE(!missing.has_value());
  CHECK(missing.error().kind == prospectd::core::ErrorKind::auth);
  CHECK(missing.error().message.find("prospectd auth work") != std::string::npos);
  REQUIRE(gmail::write_refresh_token(file, "1//refresh-token").has_value());
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto read = gmail::read_refresh_token(file, "work");
  REQUIRE(read.has_value());
  CHECK(*read == "1//refresh-token");
  REQUIRE(gmail::write_refresh_token(file, "second").has_value());
  CHECK(*gmail::read_refresh_token(file, "work") == "second");
  std::filesystem::remove_all(dir);
}
