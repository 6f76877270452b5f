// Loading the header test vectors of tests/data/headers/ (see SOURCES.md there) and
// turning their JSON encodings of bytes and times into C++ values.
#include "vector_file.h"

#include <charconv>
#include <fstream>
#include <stdexcept>

namespace prospectd::connectors::mail::test {

nlohmann::json load_vector_file(std::string_view name) {
  const std::string path = std::string(PROSPECTD_TEST_DATA_DIR) + "/headers/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test vectors " + path);
  return nlohmann::json::parse(in);
}

std::optional<std::string> as_bytes(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_object() || !value.contains("$bytes_hex")) return std::nullopt;
  const std::string hex = value["$bytes_hex"].get<std::string>();
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    unsigned byte = 0;
    std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
    out.push_back(static_cast<char>(byte));
  }
  return out;
}

std::int64_t unix_from_civil(std::int64_t year, unsigned month, unsigned day, int hour, int minute, int second) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + static_cast<std::int64_t>(doe) - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<std::int64_t> unix_from_iso8601(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const auto number = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) return false;
    return std::from_chars(text.data() + pos, text.data() + pos + len, out).ec == std::errc{};
  };
  if (!number(0, 4, y) || !number(5, 2, mo) || !number(8, 2, d) || !number(11, 2, h) || !number(14, 2, mi) ||
      !number(17, 2, s)) {
    return std::nullopt;
  }
  std::int64_t offset = 0;
  if (text.size() >= 25 && (text[19] == '+' || text[19] == '-')) {
    int oh = 0, om = 0;
    if (!number(20, 2, oh) || !number(23, 2, om)) return std::nullopt;
    offset = (oh * 3600 + om * 60) * (text[19] == '-' ? -1 : 1);
  }
  return unix_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d), h, mi, s) - offset;
}

}  // namespace prospectd::connectors::mail::test
