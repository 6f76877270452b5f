// PKCE (RFC 7636 appendix B vector), the authorization URL, and the 0600 token file: written
// atomically, refused when readable by others or not JSON.
#include "connectors/oauth/oauth.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "connectors/gmail/google_oauth.h"
#include "tests/support/temp_dir.h"

namespace oauth = prospectd::connectors::oauth;
namespace gmail = prospectd::connectors::gmail;
using prospectd::core::ErrorKind;

TEST_CASE("url_encode keeps RFC 3986 unreserved characters and percent-encodes the rest") {
  CHECK(oauth::url_encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(oauth::url_encode("a b/c?d=e&f+g") == "a%20b%2Fc%3Fd%3De%26f%2Bg");
  CHECK(oauth::url_encode("J\xC3\xA9r\xC3\xB4me") == "J%C3%A9r%C3%B4me");
  CHECK(oauth::url_encode("").empty());
}

TEST_CASE("an S256 challenge is 43 unpadded URL-safe characters (SHA-256 of \"abc\" as a vector)") {
  // BASE64URL(SHA256(x)) is 43 characters without padding whatever x is.
  for (const char* verifier : {"a", "ab", "abc"}) CHECK(oauth::s256_challenge(verifier).size() == 43);
  CHECK(oauth::s256_challenge("abc") == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST_CASE("the S256 challenge matches RFC 7636 appendix B") {
  CHECK(oauth::s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  const oauth::Pkce pkce = oauth::make_pkce();
  CHECK(pkce.verifier.size() == 64);
  CHECK(pkce.challenge == oauth::s256_challenge(pkce.verifier));
  CHECK(oauth::make_pkce().verifier != pkce.verifier);
}

TEST_CASE("the authorization URL takes the provider's endpoint and scopes as parameters") {
  const oauth::Pkce pkce{"v", "CHALLENGE"};
  const std::string url = oauth::authorization_url("https://login.example/authorize", "client", "http://127.0.0.1:1",
                                                   pkce, "STATE", "offline_access https://x/IMAP");
  CHECK(url ==
        "https://login.example/authorize?response_type=code&client_id=client&redirect_uri=http%3A%2F%2F127.0.0.1%3A1"
        "&scope=offline_access%20https%3A%2F%2Fx%2FIMAP&code_challenge=CHALLENGE&code_challenge_method=S256"
        "&state=STATE");
}

TEST_CASE("Gmail's authorization URL asks for offline access with PKCE S256 and the loopback redirect") {
  const oauth::Pkce pkce{"v", "CHALLENGE"};
  const std::string url =
      gmail::authorization_url("id.apps.googleusercontent.com", "http://127.0.0.1:4711", pkce, "STATE");
  CHECK(url.starts_with("https://accounts.google.com/o/oauth2/v2/auth?response_type=code&"));
  CHECK(url.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A4711") != std::string::npos);
  CHECK(url.find("code_challenge=CHALLENGE&code_challenge_method=S256") != std::string::npos);
  CHECK(url.find("state=STATE") != std::string::npos);
  CHECK(url.find("access_type=offline") != std::string::npos);
  CHECK(url.find("gmail.metadata") != std::string::npos);
}

TEST_CASE("the refresh token is written 0600 and read back; a missing file says to sign in") {
  const prospectd::testing::TempDir dir;
  const auto file = dir.path() / "sub" / "token.json";
  auto missing = oauth::read_refresh_token(file, "work");
  REQUIRE(!missing.has_value());
  CHECK(missing.error().kind == ErrorKind::auth);
  CHECK(missing.error().message.find("prospectd auth work") != std::string::npos);
  REQUIRE(oauth::write_refresh_token(file, "1//refresh-token").has_value());
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto read = oauth::read_refresh_token(file, "work");
  REQUIRE(read.has_value());
  CHECK(*read == "1//refresh-token");
  REQUIRE(oauth::write_refresh_token(file, "second").has_value());
  CHECK(*oauth::read_refresh_token(file, "work") == "second");
  CHECK(!std::filesystem::exists(file.string() + ".tmp"));
}

TEST_CASE("a token file others may read (0644) is refused with one line that says to sign in") {
  const prospectd::testing::TempDir dir;
  const auto file = dir.path() / "token.json";
  REQUIRE(oauth::write_refresh_token(file, "1//refresh-token").has_value());
  REQUIRE(oauth::read_refresh_token(file, "work").has_value());
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  auto refused = oauth::read_refresh_token(file, "work");
  REQUIRE(!refused.has_value());
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().message.find("0644") != std::string::npos);
  CHECK(refused.error().message.find("run `prospectd auth work`") != std::string::npos);
  CHECK(refused.error().message.find('\n') == std::string::npos);
  CHECK(refused.error().message.find("1//refresh-token") == std::string::npos);
  REQUIRE(::chmod(file.c_str(), 0640) == 0);
  CHECK(!oauth::read_refresh_token(file, "work").has_value());
  REQUIRE(::chmod(file.c_str(), 0400) == 0);
  CHECK(oauth::read_refresh_token(file, "work").has_value());
}

TEST_CASE("a corrupt token file is refused with one line that says to sign in") {
  const prospectd::testing::TempDir dir;
  const auto file = dir.path() / "token.json";
  REQUIRE(oauth::write_refresh_token(file, "1//refresh-token").has_value());
  {
    std::ofstream out(file, std::ios::trunc);
    out << "{\"refresh_token\": \"1//refr";  // cut short, as by a full disk
  }
  REQUIRE(::chmod(file.c_str(), 0600) == 0);
  auto corrupt = oauth::read_refresh_token(file, "work");
  REQUIRE(!corrupt.has_value());
  CHECK(corrupt.error().kind == ErrorKind::auth);
  CHECK(corrupt.error().message.find("not valid JSON") != std::string::npos);
  CHECK(corrupt.error().message.find("run `prospectd auth work`") != std::string::npos);
  CHECK(corrupt.error().message.find('\n') == std::string::npos);
  {
    std::ofstream out(file, std::ios::trunc);
    out << R"({"refresh_token": 42})";
  }
  auto wrong_type = oauth::read_refresh_token(file, "work");
  REQUIRE(!wrong_type.has_value());
  CHECK(wrong_type.error().message.find("holds no refresh_token") != std::string::npos);
}
