// The per-method cost table, the token bucket's pacing and pauses, and the choice between
// threads.get and messages.get.
#include "connectors/gmail/quota_bucket.h"

#include <doctest/doctest.h>

#include "connectors/gmail/gmail_source.h"

namespace gmail = prospectd::connectors::gmail;
using std::chrono::milliseconds;

TEST_CASE("the cost table holds Google's published per-method quota units") {
  CHECK(gmail::quota_cost(gmail::Method::get_profile) == 1);
  CHECK(gmail::quota_cost(gmail::Method::send_as_list) == 1);
  CHECK(gmail::quota_cost(gmail::Method::messages_list) == 5);
  CHECK(gmail::quota_cost(gmail::Method::messages_get) == 5);
  CHECK(gmail::quota_cost(gmail::Method::threads_list) == 10);
  CHECK(gmail::quota_cost(gmail::Method::threads_get) == 10);
  CHECK(gmail::quota_cost(gmail::Method::history_list) == 2);
  CHECK(gmail::method_name(gmail::Method::threads_get) == "users.threads.get");
}

TEST_CASE("a thread of one message is fetched by messages.get, longer threads by threads.get") {
  CHECK(gmail::cheapest_fetch(1) == gmail::Method::messages_get);
  CHECK(gmail::cheapest_fetch(2) == gmail::Method::threads_get);
  CHECK(gmail::cheapest_fetch(40) == gmail::Method::threads_get);
}

TEST_CASE("the bucket hands out its burst, then paces at its rate") {
  const auto t0 = gmail::QuotaBucket::Clock::time_point{} + std::chrono::hours(1);
  gmail::QuotaBucket bucket(250, 50, t0);
  for (int i = 0; i < 5; ++i) CHECK(bucket.try_take(10, t0) == gmail::QuotaBucket::Clock::duration::zero());
  const auto wait = bucket.try_take(10, t0);
  CHECK(wait >= milliseconds(39));
  CHECK(wait <= milliseconds(41));
  CHECK(bucket.try_take(10, t0 + milliseconds(40)) == gmail::QuotaBucket::Clock::duration::zero());
  // Over any long stretch no more than rate x time + burst units go out.
  int taken = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    while (bucket.try_take(5, t0 + milliseconds(40 + ms)) == gmail::QuotaBucket::Clock::duration::zero()) taken += 5;
  }
  CHECK(taken <= 250 * 10 + 50);
  CHECK(taken >= 250 * 10 - 10);
}

TEST_CASE("a pause after a quota error holds every request until it ends") {
  const auto t0 = gmail::QuotaBucket::Clock::time_point{} + std::chrono::hours(1);
  gmail::QuotaBucket bucket(250, 100, t0);
  bucket.pause_until(t0 + milliseconds(1000));
  CHECK(bucket.try_take(1, t0 + milliseconds(500)) >= milliseconds(499));
  CHECK(bucket.try_take(5, t0 + milliseconds(1000)) > gmail::QuotaBucket::Clock::duration::zero());
  CHECK(bucket.try_take(5, t0 + milliseconds(1020)) == gmail::QuotaBucket::Clock::duration::zero());
}
