// util/host_port.h: host:port as the config writes it.
#include "util/host_port.h"

#include <doctest/doctest.h>

#include <string>

namespace prospectd::util {
namespace {

TEST_CASE("host and port split at the last colon, IPv6 brackets removed") {
  const auto local = parse_host_port("127.0.0.1:8787");
  REQUIRE(local);
  CHECK(local->host == "127.0.0.1");
  CHECK(local->port == 8787);
  const auto v6 = parse_host_port("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  CHECK(host_part("[::1]:8787") == "[::1]");
  CHECK(host_part("localhost") == "localhost");
}

TEST_CASE("anything but a host and a port from 0 to 65535 is refused") {
  for (const char* bad : {"8787", ":8787", "localhost:", "localhost:http", "localhost:65536", "localhost:123456",
                          "localhost:-1", "[]:80"}) {
    CHECK_MESSAGE(!parse_host_port(bad), std::string(bad));
  }
  CHECK(parse_host_port("localhost:65535"));
}

}  // namespace
}  // namespace prospectd::util
