// prospectd's entry point: parses the command line, loads the config, runs one command, and
// turns configuration and programming errors into one clear line on stderr.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "daemon/commands.h"
#include "daemon/config.h"

namespace {

void set_up_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("prospectd");
  logger->set_pattern("%Y-%m-%d %H:%M:%S %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace prospectd::daemon;
  CLI::App app{"prospectd turns a sales rep's mailbox into a CRM: it syncs mail metadata from IMAP\n"
               "or Gmail, links threads to the people in them and tracks each contact's stage."};
  app.set_version_flag("--version", PROSPECTD_VERSION);
  app.require_subcommand(1);
  std::string config_path = default_config_path().string();
  app.add_option("--config", config_path, "Config file (TOML)")->capture_default_str();
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log progress details to stderr");

  SyncCommandOptions sync_options;
  CLI::App* sync = app.add_subcommand("sync", "Sync every account once (or one with --account), then exit");
  sync->add_option("--account", sync_options.account, "Only this account (its name in the config)");

  StatusCommandOptions status_options;
  CLI::App* status = app.add_subcommand("status", "Show each account's sync state and what is stored");
  status->add_flag("--json", status_options.json, "Print the status as JSON");

  ContactsCommandOptions contacts_options;
  CLI::App* contacts = app.add_subcommand("contacts", "List contacts with their stage and activity");
  contacts->add_option("--stage", contacts_options.stage,
                       "Only this stage: lead, prospect, opportunity, customer, disqualified");
  contacts->add_flag("--json", contacts_options.json, "Print JSON");

  ContactCommandOptions contact_options;
  CLI::App* contact = app.add_subcommand("contact", "Show one contact: threads and stage history (exit 1 if unknown)");
  contact->add_option("email", contact_options.email, "The contact's address (any spelling)")->required();
  contact->add_flag("--json", contact_options.json, "Print JSON");

  ThreadsCommandOptions threads_options;
  CLI::App* threads = app.add_subcommand("threads", "List threads with their messages and participants");
  threads->add_option("--contact", threads_options.contact, "Only threads of this contact");
  threads->add_flag("--json", threads_options.json, "Print JSON");

  StageCommandOptions stage_options;
  CLI::App* stage = app.add_subcommand("stage", "Move a contact to a stage by hand (rules never undo it)");
  stage->add_option("email", stage_options.email, "The contact's address")->required();
  stage->add_option("stage", stage_options.stage,
                    "lead, prospect, opportunity, customer or disqualified")->required();
  stage->add_option("--note", stage_options.note, "Why (kept in the stage history)");

  CLI::App* rebuild = app.add_subcommand(
      "rebuild", "Recompute contacts and stages from the stored messages (after changing identity or rules)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }

  try {
    const Config config = load_config(config_path);
    set_up_logging(verbose ? "debug" : config.log_level == "info" ? "warn" : config.log_level);
    if (*sync) return run_sync_command(config, sync_options);
    if (*status) return run_status_command(config, status_options);
    if (*contacts) return run_contacts_command(config, contacts_options);
    if (*contact) return run_contact_command(config, contact_options);
    if (*threads) return run_threads_command(config, threads_options);
    if (*stage) return run_stage_command(config, stage_options);
    if (*rebuild) return run_rebuild_command(config);
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 1;
  }
  return 0;
}
