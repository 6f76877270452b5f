// The Device Authorization Grant (RFC 8628) and refresh-token rotation against a fake token and
// device authorization endpoint: cpp-httplib on 127.0.0.1, in this process, answering from a
// script. Polling sleeps through an injected function that records the intervals.
#include <doctest/doctest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/oauth/oauth.h"
#include "tests/support/temp_dir.h"

namespace oauth = prospectd::connectors::oauth;
using prospectd::core::ErrorKind;
using std::chrono::seconds;

namespace {

struct Answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

Answer json_error(const std::string& error) { return {400, R"({"error": ")" + error + R"("})"}; }

// POST /device and POST /token answer from their scripts (the last answer repeats) and record
// each request's form.
class FakeEndpoint {
 public:
  FakeEndpoint() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    server_.Post("/device", [this](const httplib::Request& request, httplib::Response& response) {
      answer(device_answers_, device_forms_, request, response);
    });
    server_.Post("/token", [this](const httplib::Request& request, httplib::Response& response) {
      answer(token_answers_, token_forms_, request, response);
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  oauth::OAuthClient client() const { return {"client-id", "", url("/token"), "work", {}, "Example"}; }

  void script_device(std::vector<Answer> answers) { device_answers_.assign(answers.begin(), answers.end()); }
  void script_token(std::vector<Answer> answers) { token_answers_.assign(answers.begin(), answers.end()); }
  std::vector<httplib::Params> device_forms() {
    std::lock_guard lock(mutex_);
    return device_forms_;
  }
  std::vector<httplib::Params> token_forms() {
    std::lock_guard lock(mutex_);
    return token_forms_;
  }

 private:
  void answer(std::deque<Answer>& script, std::vector<httplib::Params>& forms, const httplib::Request& request,
              httplib::Response& response) {
    std::lock_guard lock(mutex_);
    httplib::Params form;
    httplib::detail::parse_query_text(request.body, form);
    forms.push_back(form);
    if (script.empty()) {
      response.status = 500;
      return;
    }
    const Answer next = script.front();
    if (script.size() > 1) script.pop_front();
    response.status = next.status;
    response.set_content(next.body, next.content_type.c_str());
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::deque<Answer> device_answers_;
  std::deque<Answer> token_answers_;
  std::vector<httplib::Params> device_forms_;
  std::vector<httplib::Params> token_forms_;
};

std::string field(const httplib::Params& form, const std::string& key) {
  const auto it = form.find(key);
  return it == form.end() ? std::string("<absent>") : it->second;
}

// Records every interval the poll waits, instead of waiting.
struct RecordingSleep {
  std::vector<long> slept;
  oauth::SleepFunction function() {
    return [this](seconds interval) { slept.push_back(static_cast<long>(interval.count())); };
  }
};

const Answer kToken{200, R"({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3599,
                             "token_type": "Bearer"})"};

}  // namespace

TEST_CASE("the device code request (RFC 8628 §3.1-3.2) sends client_id and scope and reads the answer") {
  FakeEndpoint fake;
  fake.script_device({{200, R"({"device_code": "DC", "user_code": "WDJB-MJHT",
      "verification_uri": "https://example.com/device", "verification_uri_complete":
      "https://example.com/device?user_code=WDJB-MJHT", "expires_in": 1800, "interval": 7})"}});
  auto device = oauth::request_device_code(fake.client(), fake.url("/device"), "offline_access https://x/IMAP");
  REQUIRE(device.has_value());
  CHECK(device->device_code == "DC");
  CHECK(device->user_code == "WDJB-MJHT");
  CHECK(device->verification_uri == "https://example.com/device");
  CHECK(device->verification_uri_complete == "https://example.com/device?user_code=WDJB-MJHT");
  CHECK(device->expires_in == seconds(1800));
  CHECK(device->interval == seconds(7));
  const auto forms = fake.device_forms();
  REQUIRE(forms.size() == 1);
  CHECK(field(forms[0], "client_id") == "client-id");
  CHECK(field(forms[0], "scope") == "offline_access https://x/IMAP");
  CHECK(field(forms[0], "client_secret") == "<absent>");  // a public client sends none

  // Microsoft spells verification_url (and expires_in as a string); no interval means 5 s.
  fake.script_device({{200, R"({"device_code": "DC2", "user_code": "ABC",
      "verification_url": "https://microsoft.com/devicelogin", "expires_in": "900"})"}});
  auto microsoft = oauth::request_device_code(fake.client(), fake.url("/device"), "s");
  REQUIRE(microsoft.has_value());
  CHECK(microsoft->verification_uri == "https://microsoft.com/devicelogin");
  CHECK(microsoft->verification_uri_complete.empty());
  CHECK(microsoft->expires_in == seconds(900));
  CHECK(microsoft->interval == seconds(5));

  fake.script_device({{200, R"({"user_code": "ABC", "verification_uri": "https://x", "expires_in": 900})"}});
  auto incomplete = oauth::request_device_code(fake.client(), fake.url("/device"), "s");
  REQUIRE(!incomplete.has_value());
  CHECK(incomplete.error().kind == ErrorKind::fatal);
  CHECK(incomplete.error().message.find("device_code") != std::string::npos);

  fake.script_device({json_error("invalid_client")});
  auto refused = oauth::request_device_code(fake.client(), fake.url("/device"), "s");
  REQUIRE(!refused.has_value());
  CHECK(refused.error().kind == ErrorKind::auth);
  CHECK(refused.error().message.find("invalid_client") != std::string::npos);
}

TEST_CASE("polling goes on while the sign-in is pending and returns the tokens (§3.4-3.5)") {
  FakeEndpoint fake;
  fake.script_token({json_error("authorization_pending"), json_error("authorization_pending"), kToken});
  RecordingSleep sleep;
  auto tokens = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(tokens.has_value());
  CHECK(tokens->access_token == "at-1");
  CHECK(tokens->refresh_token == "rt-1");
  CHECK(tokens->expires_in == seconds(3599));
  CHECK(sleep.slept == std::vector<long>{5, 5, 5});
  const auto forms = fake.token_forms();
  REQUIRE(forms.size() == 3);
  CHECK(field(forms[0], "grant_type") == "urn:ietf:params:oauth:grant-type:device_code");
  CHECK(field(forms[0], "device_code") == "DC");
  CHECK(field(forms[0], "client_id") == "client-id");
}

TEST_CASE("slow_down adds 5 s to the interval for every later poll (§3.5)") {
  FakeEndpoint fake;
  fake.script_token({json_error("authorization_pending"), json_error("slow_down"), json_error("authorization_pending"),
                     json_error("slow_down"), kToken});
  RecordingSleep sleep;
  auto tokens = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(tokens.has_value());
  CHECK(sleep.slept == std::vector<long>{5, 5, 10, 10, 15});
}

TEST_CASE("access_denied ends the poll: the sign-in was denied") {
  FakeEndpoint fake;
  fake.script_token({json_error("authorization_pending"), json_error("access_denied")});
  RecordingSleep sleep;
  auto tokens = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(!tokens.has_value());
  CHECK(tokens.error().kind == ErrorKind::auth);
  CHECK(tokens.error().message == "the sign-in was denied");
  CHECK(fake.token_forms().size() == 2);
}

TEST_CASE("expired_token, or the code's lifetime used up, says to run `auth --device` again") {
  const std::string expected = "the code expired before the sign-in finished: run `prospectd auth work --device` again";
  FakeEndpoint fake;
  fake.script_token({json_error("authorization_pending"), json_error("expired_token")});
  RecordingSleep sleep;
  auto tokens = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(!tokens.has_value());
  CHECK(tokens.error().kind == ErrorKind::auth);
  CHECK(tokens.error().message == expected);

  // The server never says so, but expires_in (12 s) is used up after two 5 s waits.
  FakeEndpoint pending;
  pending.script_token({json_error("authorization_pending")});
  RecordingSleep counted;
  auto timed_out = oauth::poll_device_token(pending.client(), "DC", seconds(5), seconds(12), counted.function());
  REQUIRE(!timed_out.has_value());
  CHECK(timed_out.error().message == expected);
  CHECK(counted.slept == std::vector<long>{5, 5});
  CHECK(pending.token_forms().size() == 2);
}

TEST_CASE("an HTML answer is one clear error, never a crash") {
  FakeEndpoint fake;
  RecordingSleep sleep;
  fake.script_token({{200, "<html><body>Sign in to the Wi-Fi</body></html>", "text/html"}});
  auto portal = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(!portal.has_value());
  CHECK(portal.error().kind == ErrorKind::fatal);
  CHECK(portal.error().message.find("not JSON") != std::string::npos);
  CHECK(portal.error().message.find('\n') == std::string::npos);

  fake.script_token({{502, "<html>Bad Gateway</html>", "text/html"}});
  auto gateway = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(!gateway.has_value());
  CHECK(gateway.error().kind == ErrorKind::transient);
  CHECK(gateway.error().message == "token endpoint: HTTP 502");

  fake.script_token({{200, R"({"access_token": 5})"}});  // JSON, but garbage
  auto garbage = oauth::poll_device_token(fake.client(), "DC", seconds(5), seconds(1800), sleep.function());
  REQUIRE(!garbage.has_value());
  CHECK(garbage.error().kind == ErrorKind::transient);

  fake.script_device({{404, "<html>Not Found</html>", "text/html"}});
  auto device = oauth::request_device_code(fake.client(), fake.url("/device"), "s");
  REQUIRE(!device.has_value());
  CHECK(device.error().kind == ErrorKind::fatal);
  CHECK(device.error().message.find("not JSON") != std::string::npos);
}

TEST_CASE("a set cancel flag stops the poll with a transient error") {
  FakeEndpoint fake;
  fake.script_token({json_error("authorization_pending")});
  std::atomic<bool> cancel{false};
  int polls = 0;
  auto tokens = oauth::poll_device_token(
      fake.client(), "DC", seconds(5), seconds(1800),
      [&](seconds) {
        if (++polls == 3) cancel = true;
      },
      &cancel);
  REQUIRE(!tokens.has_value());
  CHECK(tokens.error().kind == ErrorKind::transient);
  CHECK(tokens.error().message == "stopped");
  CHECK(fake.token_forms().size() == 2);
}

TEST_CASE("a rotated refresh token is written to the token file, 0600, and used next") {
  const prospectd::testing::TempDir dir;
  const auto file = dir.path() / "work.token.json";
  REQUIRE(oauth::write_refresh_token(file, "rt-old").has_value());
  FakeEndpoint fake;
  fake.script_token({{200, R"({"access_token": "at-1", "refresh_token": "rt-new", "expires_in": 3600})"},
                     {200, R"({"access_token": "at-2", "expires_in": 3600})"}});
  oauth::AccessTokens tokens(fake.client(), "rt-old", file);
  auto first = tokens.token(false);
  REQUIRE(first.has_value());
  CHECK(*first == "at-1");
  CHECK(tokens.refresh_token() == "rt-new");
  auto stored = oauth::read_refresh_token(file, "work");
  REQUIRE(stored.has_value());
  CHECK(*stored == "rt-new");
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(*tokens.token(false) == "at-1");  // still fresh: no request

  auto second = tokens.token(true);  // a 401: refresh with the rotated token; no rotation now
  REQUIRE(second.has_value());
  CHECK(*second == "at-2");
  CHECK(*oauth::read_refresh_token(file, "work") == "rt-new");
  const auto forms = fake.token_forms();
  REQUIRE(forms.size() == 2);
  CHECK(field(forms[0], "grant_type") == "refresh_token");
  CHECK(field(forms[0], "refresh_token") == "rt-old");
  CHECK(field(forms[1], "refresh_token") == "rt-new");
  CHECK(tokens.refreshes() == 2);
}

TEST_CASE("without a token file a rotated refresh token is kept in memory only") {
  const prospectd::testing::TempDir dir;
  FakeEndpoint fake;
  fake.script_token({{200, R"({"access_token": "at-1", "refresh_token": "rt-new", "expires_in": 3600})"}});
  oauth::AccessTokens tokens(fake.client(), "rt-old");
  REQUIRE(tokens.token(false).has_value());
  CHECK(tokens.refresh_token() == "rt-new");
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("a revoked refresh token says the sign-in expired or was revoked, names the provider, and says to sign in") {
  FakeEndpoint fake;
  fake.script_token({{400, R"({"error": "invalid_grant", "error_description": "revoked"})"}});
  oauth::AccessTokens tokens(fake.client(), "rt-old");
  auto token = tokens.token(false);
  REQUIRE(!token.has_value());
  CHECK(token.error().kind == ErrorKind::auth);
  CHECK(token.error().message ==
        "sign-in expired or revoked (Example: invalid_grant: revoked): run `prospectd auth work`");
}
