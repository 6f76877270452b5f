// Names and ranks of the lifecycle stages.
// The names are part of the store schema and the JSON API: never rename one.
#include "rules/stage.h"

#include <array>

namespace prospectd::rules {
namespace {

constexpr std::array kStages = {Stage::lead, Stage::prospect, Stage::opportunity, Stage::customer, Stage::disqualified};

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != b[i]) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view s) {
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

const char* to_string(Stage stage) {
  switch (stage) {
    case Stage::lead:
      return "lead";
    case Stage::prospect:
      return "prospect";
    case Stage::opportunity:
      return "opportunity";
    case Stage::customer:
      return "customer";
    case Stage::disqualified:
      return "disqualified";
  }
  return "lead";
}

std::optional<Stage> stage_from_string(std::string_view name) {
  name = trimmed(name);
  for (const Stage stage : kStages) {
    if (equals_ignoring_case(name, to_string(stage))) return stage;
  }
  return std::nullopt;
}

int stage_rank(Stage stage) {
  switch (stage) {
    case Stage::lead:
      return 0;
    case Stage::prospect:
      return 1;
    case Stage::opportunity:
      return 2;
    case Stage::customer:
      return 3;
    case Stage::disqualified:
      return 4;
  }
  return 0;
}

}  // namespace prospectd::rules
