// prospectd's entry point: parses the command line, loads the config, runs one command, and
// turns configuration and programming errors into one clear line on stderr.
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/auth_command.h"
#include "cli/commands.h"
#include "config/config.h"
#include "daemon/run_command.h"

namespace {

// stderr, readable by journald (no timestamp of our own when JOURNAL_STREAM says journald
// reads it), plus an optional rotating log file (10 MiB x 3).
void set_up_logging(const std::string& level, const std::filesystem::path& file) {
  std::vector<spdlog::sink_ptr> sinks;
  auto console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  console->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%d %H:%M:%S %l: %v");
  sinks.push_back(console);
  if (!file.empty()) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto rotating = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.string(), 10 << 20, 3);
    rotating->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
    sinks.push_back(rotating);
  }
  auto logger = std::make_shared<spdlog::logger>("prospectd", sinks.begin(), sinks.end());
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace prospectd::cli;
  CLI::App app{
      "prospectd turns a sales rep's mailbox into a CRM: it syncs mail metadata from IMAP\n"
      "or Gmail, links threads to the people in them and tracks each contact's stage."};
  app.set_version_flag("--version", PROSPECTD_VERSION);
  app.require_subcommand(1);
  std::string config_path = prospectd::config::default_config_path().string();
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
  stage->add_option("stage", stage_options.stage, "lead, prospect, opportunity, customer or disqualified")->required();
  stage->add_option("--note", stage_options.note, "Why (kept in the stage history)");

  CLI::App* run =
      app.add_subcommand("run",
                         "Run as a service: sync every account in the background (IDLE or polling) and serve the\n"
                         "status page and JSON API on http.listen, until SIGTERM; SIGHUP reloads the config");

  InitCommandOptions init_options;
  CLI::App* init =
      app.add_subcommand("init", "Write a commented starter config (asks for the IMAP server on a terminal)");
  init->add_flag("--force", init_options.force, "Replace an existing config file");

  DoctorCommandOptions doctor_options;
  CLI::App* doctor = app.add_subcommand(
      "doctor", "Check config, credentials, servers, TLS, the store and service files; say what to fix");

  AuthCommandOptions auth_options;
  CLI::App* auth = app.add_subcommand("auth", "Sign a Gmail account in (OAuth loopback flow with PKCE)");
  auth->add_option("account", auth_options.account, "The account's name in the config")->required();
  auth->add_flag("--no-browser", auth_options.no_browser, "Only print the sign-in URL");

  CLI::App* rebuild = app.add_subcommand(
      "rebuild", "Recompute contacts and stages from the stored messages (after changing identity or rules)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }

  // init and doctor work before (or despite) a valid config.
  try {
    if (*init) return run_init_command(config_path, init_options);
    if (*doctor) {
      doctor_options.verbose = verbose;
      return run_doctor_command(config_path, doctor_options);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 1;
  }

  try {
    const prospectd::config::Config config = prospectd::config::load_config(config_path);
    // One-off commands stay quiet unless asked; the daemon logs at the configured level.
    const bool daemon = run->parsed();
    set_up_logging(verbose                                  ? "debug"
                   : (daemon || config.log_level != "info") ? config.log_level
                                                            : "warn",
                   daemon ? config.log_file : std::filesystem::path());
    if (*sync) return run_sync_command(config, sync_options);
    if (*status) return run_status_command(config, status_options);
    if (*contacts) return run_contacts_command(config, contacts_options);
    if (*contact) return run_contact_command(config, contact_options);
    if (*threads) return run_threads_command(config, threads_options);
    if (*stage) return run_stage_command(config, stage_options);
    if (*rebuild) return run_rebuild_command(config);
    if (*run) return prospectd::daemon::run_daemon_command(config);
    if (*auth) return run_auth_command(config, auth_options);
  } catch (const prospectd::config::ConfigError& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 1;
  }
  return 0;
}
