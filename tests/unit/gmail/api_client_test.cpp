// Error classification of Gmail answers, once: Google's error bodies (own-written after the
// documented shapes, plus the shared error samples when present) to retry/refresh/fail.
#include "connectors/gmail/api_client.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gmail = prospectd::connectors::gmail;
using gmail::Disposition;

namespace {

std::string google_error(int code, const std::string& reason, const std::string& message,
                         const std::string& status = "") {
  std::string body = R"({"error": {"code": )" + std::to_string(code) + R"(, "message": ")" + message +
                     R"(", "errors": [{"message": ")" + message + R"(", "domain": "usageLimits", "reason": ")" +
                     reason + R"("}])";
  if (!status.empty()) body += R"(, "status": ")" + status + R"(")";
  return body + "}}";
}

}  // namespace

TEST_CASE("Gmail answers are classified once into what the client does next") {
  CHECK(gmail::classify_response(200, R"({"id": "x"})", "").disposition == Disposition::ok);
  CHECK(gmail::classify_response(200, R"({"id": "x")", "").disposition == Disposition::retry);
  CHECK(gmail::classify_response(200, "", "").disposition == Disposition::retry);
  CHECK(gmail::classify_response(401, google_error(401, "authError", "Invalid Credentials"), "").disposition ==
        Disposition::refresh_token);
  CHECK(
      gmail::classify_response(404, google_error(404, "notFound", "Requested entity was not found."), "").disposition ==
      Disposition::not_found);
  const auto quota = gmail::classify_response(
      429,
      google_error(429, "rateLimitExceeded", "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"),
      "3");
  CHECK(quota.disposition == Disposition::quota_backoff);
  REQUIRE(quota.retry_after.has_value());
  CHECK(*quota.retry_after == std::chrono::seconds(3));
  CHECK(gmail::classify_response(403, google_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded"), "")
            .disposition == Disposition::quota_backoff);
  CHECK(gmail::classify_response(403, google_error(403, "rateLimitExceeded", "Rate Limit Exceeded"), "").disposition ==
        Disposition::quota_backoff);
  CHECK(
      gmail::classify_response(403, google_error(403, "dailyLimitExceeded", "Daily Limit Exceeded"), "").disposition ==
      Disposition::fail_transient);
  CHECK(gmail::classify_response(403, google_error(403, "insufficientPermissions", "Insufficient Permission"), "")
            .disposition == Disposition::fail_auth);
  CHECK(gmail::classify_response(500, google_error(500, "backendError", "Backend Error"), "").disposition ==
        Disposition::retry);
  CHECK(gmail::classify_response(503, "<html>unavailable</html>", "").disposition == Disposition::retry);
  CHECK(gmail::classify_response(400, google_error(400, "invalidArgument", "Invalid startHistoryId"), "").disposition ==
        Disposition::fail_fatal);
}

TEST_CASE("Retry-After is read as seconds, as an HTTP date, or from the message text") {
  const auto now = std::chrono::system_clock::from_time_t(1714564800);  // 2024-05-01T12:00:00Z
  CHECK(gmail::classify_response(429, "{}", "7", now).retry_after == std::chrono::seconds(7));
  CHECK(gmail::classify_response(429, "{}", "Wed, 01 May 2024 12:00:30 GMT", now).retry_after ==
        std::chrono::seconds(30));
  const auto in_text = gmail::classify_response(
      403,
      google_error(403, "userRateLimitExceeded", "User-rate limit exceeded.  Retry after 2024-05-01T12:01:00.000Z"), "",
      now);
  CHECK(in_text.disposition == Disposition::quota_backoff);
  CHECK(in_text.retry_after == std::chrono::seconds(60));
}

// Google's recorded error bodies sit in PROSPECTD_GMAIL_SAMPLES/errors (opt-in, like the
// recorded responses in message_mapper_test.cpp: their licences keep them out of this repository).
TEST_CASE("the recorded error samples classify as their status and reason say") {
  const char* samples = std::getenv("PROSPECTD_GMAIL_SAMPLES");
  const std::filesystem::path dir = samples ? std::filesystem::path(samples) / "errors" : std::filesystem::path();
  if (dir.empty() || !std::filesystem::exists(dir)) {
    std::printf("NOTICE: set PROSPECTD_GMAIL_SAMPLES to check the recorded Gmail error bodies; skipped\n");
    return;
  }
  const auto read = [&](const char* name) {
    std::ifstream in(dir / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const struct {
    long status;
    const char* file;
    Disposition expected;
  } recorded[] = {
      {429, "error.429.rateLimitExceeded.RESOURCE_EXHAUSTED.observed.json", Disposition::quota_backoff},
      {403, "error.403.userRateLimitExceeded.mock.json", Disposition::quota_backoff},
      {403, "error.403.rateLimitExceeded.mock.json", Disposition::quota_backoff},
      {403, "error.403.quotaExceeded-queries-per-minute.observed-partial.json", Disposition::quota_backoff},
      {403, "error.403.dailyLimitExceeded.google-docs.json", Disposition::fail_transient},
      {401, "error.401.UNAUTHENTICATED.observed.json", Disposition::refresh_token},
      {404, "error.404.notFound.observed.json", Disposition::not_found},
      {500, "error.500.backendError.mock.json", Disposition::retry},
  };
  for (const auto& sample : recorded) {
    CAPTURE(std::string(sample.file));
    CHECK(gmail::classify_response(sample.status, read(sample.file), "").disposition == sample.expected);
  }
}
