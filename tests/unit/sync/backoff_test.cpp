// Retry delays after transient failures (README "run": jittered exponential backoff): 5 s doubling
// per consecutive failure up to 15 minutes, scaled by a random factor in [0.5, 1.5).
#include <doctest/doctest.h>

#include <climits>

#include "sync/account_worker.h"

namespace prospectd::sync {
namespace {

using namespace std::chrono_literals;

TEST_CASE("the first retry waits 5 s and each further failure doubles the wait") {
  CHECK(backoff_delay(1, 0.5) == 5s);
  CHECK(backoff_delay(2, 0.5) == 10s);
  CHECK(backoff_delay(3, 0.5) == 20s);
  CHECK(backoff_delay(4, 0.5) == 40s);
  CHECK(backoff_delay(8, 0.5) == 640s);
}

TEST_CASE("a failure count below one waits as the first retry") {
  CHECK(backoff_delay(0, 0.5) == 5s);
  CHECK(backoff_delay(-3, 0.5) == 5s);
}

TEST_CASE("the wait never exceeds 15 minutes before jitter, however many failures") {
  CHECK(backoff_delay(9, 0.5) == 15min);
  CHECK(backoff_delay(11, 0.5) == 15min);
  CHECK(backoff_delay(12, 0.5) == 15min);
  CHECK(backoff_delay(1000, 0.5) == 15min);
  CHECK(backoff_delay(INT_MAX, 0.5) == 15min);
}

TEST_CASE("jitter scales the wait between half and one and a half times") {
  CHECK(backoff_delay(1, 0.0) == 2500ms);
  CHECK(backoff_delay(1, 0.25) == 3750ms);
  CHECK(backoff_delay(1, 0.999) >= 7490ms);
  CHECK(backoff_delay(1, 0.999) < 7500ms);
  CHECK(backoff_delay(50, 0.0) == 450s);
  CHECK(backoff_delay(50, 0.9999) < 1350s);
  CHECK(backoff_delay(50, 0.9999) >= 1349s);
}

TEST_CASE("with the same jitter, more failures never wait less") {
  for (const double jitter : {0.0, 0.3, 0.77, 0.9999}) {
    CAPTURE(jitter);
    for (int failures = 1; failures < 40; ++failures) {
      CAPTURE(failures);
      CHECK(backoff_delay(failures + 1, jitter) >= backoff_delay(failures, jitter));
    }
  }
}

}  // namespace
}  // namespace prospectd::sync
