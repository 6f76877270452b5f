// `prospectd export`: reads the contacts once, orders them by address and writes them line by
// line (views/contact_export.h) through stdio's buffer, never the whole output in one string.
#include "cli/export_command.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cli/store_access.h"
#include "core/stage.h"
#include "store/reader.h"
#include "views/contact_export.h"

namespace prospectd::cli {
namespace {

bool write_out(const std::string& text) { return std::fwrite(text.data(), 1, text.size(), stdout) == text.size(); }

}  // namespace

int run_export_command(const config::Config& config, const ExportCommandOptions& options) {
  const auto format = views::export_format_from_string(options.format);
  if (!format) throw config::ConfigError("unknown export format \"" + options.format + "\" (formats: csv, jsonl)");
  store::ContactQuery query;
  if (options.stage) {
    const auto stage = core::stage_from_string(*options.stage);
    if (!stage) {
      throw config::ConfigError("unknown stage \"" + *options.stage + "\" (stages: " + core::stage_names_list() + ")");
    }
    query.stage = core::to_string(*stage);
  }
  if (!write_out(views::export_preamble(*format))) return 1;
  if (!std::filesystem::exists(config.store_file())) {
    std::fprintf(stderr, "prospectd: no data yet: run `prospectd sync` first\n");
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  store::StoreReader reader = open_reader(config.store_file());
  auto contacts = reader.contacts(query);  // blocked contacts are in no list
  std::sort(contacts.begin(), contacts.end(),
            [](const store::ContactRow& a, const store::ContactRow& b) { return a.email < b.email; });
  for (const auto& contact : contacts) {
    if (!write_out(views::export_line(*format, contact))) break;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fprintf(stderr, "prospectd: could not write the export: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace prospectd::cli
