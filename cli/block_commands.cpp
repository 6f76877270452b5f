// The blocklist commands: parse the entry with the rules' one parser, then one store call.
#include "cli/block_commands.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/store_access.h"
#include "rules/blocklist.h"
#include "store/reader.h"
#include "store/store.h"

namespace prospectd::cli {
namespace {

std::optional<rules::BlockEntry> entry_or_complain(const std::string& text) {
  auto entry = rules::parse_block_entry(text);
  if (!entry) {
    std::fprintf(stderr,
                 "prospectd: \"%s\" is neither an e-mail address nor a domain (jane@example.com, example.com)\n",
                 text.c_str());
  }
  return entry;
}

std::string covered(const rules::BlockEntry& entry) {
  return entry.kind == rules::BlockEntry::Kind::domain ? entry.value + " and its subdomains" : entry.value;
}

}  // namespace

int run_block_command(const config::Config& config, const BlockCommandOptions& options) {
  const auto entry = entry_or_complain(options.entry);
  if (!entry) return 1;
  store::Store store(config.store_file());
  const std::size_t hidden = store.block(*entry, std::time(nullptr));
  std::printf(
      "blocked %s: %zu contact%s hidden; later syncs and rebuilds keep it out (`prospectd unblock %s` "
      "brings it back)\n",
      covered(*entry).c_str(), hidden, hidden == 1 ? "" : "s", entry->value.c_str());
  return 0;
}

int run_unblock_command(const config::Config& config, const BlockCommandOptions& options) {
  const auto entry = entry_or_complain(options.entry);
  if (!entry) return 1;
  store::Store store(config.store_file());
  const auto shown = store.unblock(*entry);
  if (!shown) {
    std::fprintf(stderr, "prospectd: %s is not on the blocklist (`prospectd blocks` lists it)\n", entry->value.c_str());
    return 1;
  }
  std::printf("unblocked %s: %zu contact%s back\n", covered(*entry).c_str(), *shown, *shown == 1 ? "" : "s");
  return 0;
}

int run_blocks_command(const config::Config& config, const BlockCommandOptions& options) {
  std::vector<std::string> entries;
  if (std::filesystem::exists(config.store_file())) entries = open_reader(config.store_file()).blocks();
  if (options.json) {
    std::printf("%s\n", nlohmann::json(entries).dump(2).c_str());
    return 0;
  }
  for (const auto& entry : entries) std::printf("%s\n", entry.c_str());
  if (!config.blocklist.empty()) {
    std::printf("(and from the config's contacts.blocklist: %zu entr%s)\n", config.blocklist.size(),
                config.blocklist.size() == 1 ? "y" : "ies");
  }
  return 0;
}

}  // namespace prospectd::cli
