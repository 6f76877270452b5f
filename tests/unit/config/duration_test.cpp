// Durations as the config writes them (poll_interval): "90s", "5m", "2h", "1d", "250ms" or bare seconds.
#include <doctest/doctest.h>

#include "config/config.h"

namespace prospectd::config {
namespace {

using namespace std::chrono_literals;

TEST_CASE("durations read in seconds, minutes, hours and days") {
  CHECK(parse_duration("90s") == 90s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("2h") == 2h);
  CHECK(parse_duration("1d") == 24h);
  CHECK(parse_duration("0s") == 0s);
}

TEST_CASE("a bare number is seconds") {
  CHECK(parse_duration("45") == 45s);
  CHECK(parse_duration("007") == 7s);
}

TEST_CASE("milliseconds round up to whole seconds") {
  CHECK(parse_duration("250ms") == 1s);
  CHECK(parse_duration("1000ms") == 1s);
  CHECK(parse_duration("1001ms") == 2s);
  CHECK(parse_duration("0ms") == 0s);
}

TEST_CASE("anything else is not a duration") {
  for (const char* text : {"", "s", "ms", "-5s", "+5s", "1.5h", "5 m", "5min", "5M", "1w", " 5s", "5s ", "five"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
}

TEST_CASE("more than twelve digits is refused rather than overflowing") {
  CHECK(parse_duration("999999999999s") == std::chrono::seconds(999'999'999'999));
  CHECK_FALSE(parse_duration("1000000000000").has_value());
}

}  // namespace
}  // namespace prospectd::config
