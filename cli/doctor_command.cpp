// `prospectd doctor`: runs every check in order, printing each line as soon as it is known (a
// server can take seconds), and a summary. Exit 0 when nothing failed, 1 otherwise.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/doctor_checks.h"

namespace prospectd::cli {
namespace {

class Report {
 public:
  void add(const CheckResult& result) {
    std::printf("%s\n", format_check(result).c_str());
    std::fflush(stdout);
    ++counts_[static_cast<int>(result.level)];
  }
  void add(const std::vector<CheckResult>& results) {
    for (const auto& result : results) add(result);
  }
  // Runs one check; a check that throws is reported as a failure of that check, not of doctor.
  template <typename Check>
  void run(const std::string& what, Check check) {
    try {
      add(check());
    } catch (const std::exception& error) {
      add(CheckResult{CheckLevel::fail, what + ": " + error.what(), "run again with -v; report it if it persists"});
    }
  }
  int failures() const { return counts_[static_cast<int>(CheckLevel::fail)]; }
  void print_summary() const {
    std::printf("\n%d ok, %d warning%s, %d failure%s\n", counts_[0], counts_[1], counts_[1] == 1 ? "" : "s", counts_[2],
                counts_[2] == 1 ? "" : "s");
  }

 private:
  int counts_[3] = {0, 0, 0};
};

}  // namespace

int run_doctor_command(const std::filesystem::path& config_path, const DoctorCommandOptions& options) {
  // The checks' own logging (libraries, connections) goes to stderr, and only with -v.
  auto logger = spdlog::stderr_logger_mt("doctor");
  spdlog::set_default_logger(logger);
  spdlog::set_level(options.verbose ? spdlog::level::debug : spdlog::level::off);

  Report report;
  std::optional<config::Config> config;
  try {
    config = config::load_config(config_path);
    report.add(CheckResult{CheckLevel::ok,
                           "config " + config_path.string() + " loads (" + std::to_string(config->accounts.size()) +
                               " account" + (config->accounts.size() == 1 ? "" : "s") + ")",
                           ""});
  } catch (const config::ConfigError& error) {
    std::error_code missing;
    const bool exists = std::filesystem::exists(config_path, missing);
    report.add(CheckResult{CheckLevel::fail, "config: " + std::string(error.what()),
                           exists ? "edit the file at the line named; every key is explained in "
                                    "config.example.toml and prospectd(1)"
                                  : "run `prospectd init` to write a starter config, or pass --config PATH"});
  }
  if (config) {
    if (config->accounts.empty()) {
      report.add(CheckResult{CheckLevel::warn, "config has no [[accounts]]: nothing will be synced",
                             "add an [[accounts]] table (see config.example.toml)"});
    }
    report.run("data_dir", [&] { return check_data_dir(*config); });
    report.run("store", [&] { return check_store(*config); });
    for (const auto& account : config->accounts) {
      report.run("account " + account.name, [&] { return check_account(*config, account, options.connect_timeout); });
    }
    report.run("http.listen", [&] { return check_http_listen(*config); });
  }
  report.run("service files", [] { return check_service_files(); });
  report.print_summary();
  return report.failures() == 0 ? 0 : 1;
}

}  // namespace prospectd::cli
