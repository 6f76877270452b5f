// Reading one TOML table of the config: typed values, secrets, unknown-key and typo checks,
// every error naming file, line and key. Private to config/; used on the loading thread only.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/text.h"

namespace prospectd::config::detail {

inline std::string where(const std::filesystem::path& file, const toml::source_region& region) {
  std::string place = file.string();
  if (region.begin.line > 0) place += ":" + std::to_string(region.begin.line);
  return place;
}

[[noreturn]] inline void fail(const std::filesystem::path& file, const toml::node& node, const std::string& key,
                              const std::string& message) {
  throw ConfigError(where(file, node.source()) + ": " + key + ": " + message);
}

class TableReader {
 public:
  TableReader(const toml::table& table, std::filesystem::path file, std::string prefix)
      : table_(table), file_(std::move(file)), prefix_(std::move(prefix)) {}

  // Rejects keys the caller did not read (call after reading all known keys).
  void reject_unknown() const {
    for (const auto& [key, node] : table_) {
      const std::string name(key.str());
      if (!known_.contains(name)) {
        fail(file_, node, qualified(name), "unknown key" + suggestion(name));
      }
    }
  }

  std::optional<std::string> string(const std::string& key) { return scalar<std::string>(key, "must be a string"); }

  std::optional<bool> boolean(const std::string& key) { return scalar<bool>(key, "must be true or false"); }

  std::optional<std::int64_t> integer(const std::string& key) {
    return scalar<std::int64_t>(key, "must be a whole number");
  }

  std::string required_string(const std::string& key) {
    auto value = string(key);
    if (!value || value->empty()) {
      if (!value) reject_misspelling_of({key});
      throw ConfigError(where(file_, table_.source()) + ": " + qualified(key) + ": missing (required)");
    }
    return *value;
  }

  std::vector<std::string> string_list(const std::string& key) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return {};
    const toml::array* array = node->as_array();
    if (!array) fail(file_, *node, qualified(key), "must be a list of strings");
    std::vector<std::string> values;
    for (const auto& element : *array) {
      if (!element.is_string()) fail(file_, element, qualified(key), "must be a list of strings");
      values.push_back(element.as_string()->get());
    }
    return values;
  }

  std::optional<std::chrono::seconds> duration(const std::string& key) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    std::optional<std::chrono::seconds> value;
    if (node->is_integer()) {
      value = std::chrono::seconds(node->as_integer()->get());
    } else if (node->is_string()) {
      value = parse_duration(node->as_string()->get());
    }
    if (!value || value->count() <= 0) {
      fail(file_, *node, qualified(key), "must be a duration such as \"60s\", \"5m\" or \"1h\"");
    }
    return value;
  }

  const toml::table* subtable(const std::string& key) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail(file_, *node, qualified(key), "must be a table ([" + key + "])");
    return node->as_table();
  }

  const toml::array* array_of_tables(const std::string& key) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return nullptr;
    if (!node->is_array_of_tables()) {
      fail(file_, *node, qualified(key), "must be an array of tables ([[" + key + "]])");
    }
    return node->as_array();
  }

  // The secret named by exactly one of <base>_cmd / <base>_file / <base>_env.
  SecretSource secret(const std::string& base) {
    SecretSource source;
    int given = 0;
    for (const auto& [suffix, kind] :
         {std::pair{"_cmd", SecretSource::Kind::command}, std::pair{"_file", SecretSource::Kind::file},
          std::pair{"_env", SecretSource::Kind::environment}}) {
      if (auto value = string(base + suffix)) {
        ++given;
        source = {kind, *value, qualified(base + suffix)};
      }
    }
    if (given > 1) {
      throw ConfigError(where(file_, table_.source()) + ": " + qualified(base) + ": give only one of " + base +
                        "_cmd, " + base + "_file, " + base + "_env");
    }
    return source;
  }

  void mark_known(const std::string& key) { known_.insert(key); }

  // Before a required key is reported missing: a key of the table that is a typo of one of
  // `wanted` is the better message ("pasword_cmd: unknown key (did you mean ...)"). Typos only:
  // keys not read yet may contain the wanted one ("username" contains "name").
  void reject_misspelling_of(const std::set<std::string>& wanted) const {
    for (const auto& [key, node] : table_) {
      const std::string name(key.str());
      if (known_.contains(name) || wanted.contains(name)) continue;
      if (const std::string meant = closest(name, wanted, false); !meant.empty()) {
        fail(file_, node, qualified(name), "unknown key (did you mean \"" + meant + "\"?)");
      }
    }
  }

  std::string qualified(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  const toml::table& table() const { return table_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  // A key holding one TOML value of type T (as toml++ stores it): nullopt when absent, a failure
  // saying it `must_be` of that type when it holds anything else.
  template <typename T>
  std::optional<T> scalar(const std::string& key, const char* must_be) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    const auto* value = node->as<T>();
    if (!value) fail(file_, *node, qualified(key), must_be);
    return value->get();
  }

  // The closest of `candidates` to a key that is not known: a typo of up to a third of the
  // key's length (at most 3), else, with `containing`, one key inside the other ("listen" in
  // "listen_address").
  static std::string closest(const std::string& name, const std::set<std::string>& candidates, bool containing) {
    std::string best;
    std::size_t best_distance = std::min<std::size_t>(3, name.size() / 3) + 1;
    for (const auto& candidate : candidates) {
      const std::size_t distance = util::edit_distance(name, candidate);
      if (distance < best_distance) {
        best = candidate;
        best_distance = distance;
      }
    }
    if (!best.empty() || !containing) return best;
    for (const auto& candidate : candidates) {
      if (candidate.size() > 2 &&
          (candidate.find(name) != std::string::npos || name.find(candidate) != std::string::npos)) {
        return candidate;
      }
    }
    return "";
  }

  std::string suggestion(const std::string& name) const {
    const std::string known = closest(name, known_, true);
    return known.empty() ? "" : " (did you mean \"" + known + "\"?)";
  }

  const toml::table& table_;
  std::filesystem::path file_;
  std::string prefix_;
  std::set<std::string> known_;
};

}  // namespace prospectd::config::detail
