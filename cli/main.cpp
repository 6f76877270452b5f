// prospectd's entry point: parses the command line, loads the config, runs one command, and
// turns configuration and programming errors into one clear line on stderr.
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/auth_command.h"
#include "cli/block_commands.h"
#include "cli/commands.h"
#include "cli/export_command.h"
#include "cli/forget_command.h"
#include "cli/team_commands.h"
#include "cli/why_command.h"
#include "config/config.h"
#include "daemon/run_command.h"
#include "util/private_files.h"

namespace {

using namespace prospectd::cli;

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

// The global options and every subcommand's options, filled in by CLI11 as it parses.
struct CommandLine {
  std::string config_path = prospectd::config::default_config_path().string();
  bool verbose = false;
  SyncCommandOptions sync_options;
  StatusCommandOptions status_options;
  ContactsCommandOptions contacts_options;
  ContactCommandOptions contact_options;
  ThreadsCommandOptions threads_options;
  StageCommandOptions stage_options;
  InitCommandOptions init_options;
  DoctorCommandOptions doctor_options;
  AuthCommandOptions auth_options;
  OpenCommandOptions open_options;
  WhyCommandOptions why_options;
  BlockCommandOptions block_options;
  ForgetCommandOptions forget_options;
  TeamCommandOptions team_options;
  PublishCommandOptions publish_options;
  ExportCommandOptions export_options;
};

// The subcommands; after parsing, the one given converts to true.
struct Subcommands {
  CLI::App* sync;
  CLI::App* status;
  CLI::App* contacts;
  CLI::App* contact;
  CLI::App* threads;
  CLI::App* stage;
  CLI::App* run;
  CLI::App* init;
  CLI::App* doctor;
  CLI::App* auth;
  CLI::App* rebuild;
  CLI::App* open;
  CLI::App* why;
  CLI::App* block;
  CLI::App* unblock;
  CLI::App* blocks;
  CLI::App* forget;
  CLI::App* team;
  CLI::App* publish;
  CLI::App* export_contacts;
};

void declare_global_options(CLI::App& app, CommandLine& line) {
  app.set_version_flag("--version", PROSPECTD_VERSION);
  app.require_subcommand(1);
  app.add_option("--config", line.config_path, "Config file (TOML)")->capture_default_str();
  app.add_flag("-v,--verbose", line.verbose, "Log progress details to stderr");
}

// Declared in the order --help lists them.
Subcommands declare_subcommands(CLI::App& app, CommandLine& line) {
  Subcommands commands{};
  commands.sync = app.add_subcommand("sync", "Sync every account once (or one with --account), then exit");
  commands.sync->add_option("--account", line.sync_options.account, "Only this account (its name in the config)");

  commands.status = app.add_subcommand("status", "Show each account's sync state and what is stored");
  commands.status->add_flag("--json", line.status_options.json, "Print the status as JSON");

  commands.contacts = app.add_subcommand("contacts", "List contacts with their stage and activity");
  commands.contacts->add_option("--stage", line.contacts_options.stage,
                                "Only this stage: lead, prospect, opportunity, customer, disqualified");
  commands.contacts->add_flag("--json", line.contacts_options.json, "Print JSON");

  commands.contact = app.add_subcommand("contact", "Show one contact: threads and stage history (exit 1 if unknown)");
  commands.contact->add_option("email", line.contact_options.email, "The contact's address (any spelling)")->required();
  commands.contact->add_flag("--json", line.contact_options.json, "Print JSON");

  commands.threads = app.add_subcommand("threads", "List threads with their messages and participants");
  commands.threads->add_option("--contact", line.threads_options.contact, "Only threads of this contact");
  commands.threads->add_flag("--json", line.threads_options.json, "Print JSON");

  commands.stage = app.add_subcommand("stage", "Move a contact to a stage by hand (rules never undo it)");
  commands.stage->add_option("email", line.stage_options.email, "The contact's address")->required();
  commands.stage->add_option("stage", line.stage_options.stage, "lead, prospect, opportunity, customer or disqualified")
      ->required();
  commands.stage->add_option("--note", line.stage_options.note, "Why (kept in the stage history)");

  commands.run =
      app.add_subcommand("run",
                         "Run as a service: sync every account in the background (IDLE or polling) and serve the\n"
                         "status page and JSON API on http.listen, until SIGTERM; SIGHUP reloads the config");

  commands.init =
      app.add_subcommand("init", "Write a commented starter config (asks for the IMAP server on a terminal)");
  commands.init->add_flag("--force", line.init_options.force, "Replace an existing config file");

  commands.doctor = app.add_subcommand(
      "doctor", "Check config, credentials, servers, TLS, the store and service files; say what to fix");

  commands.auth = app.add_subcommand(
      "auth",
      "Sign in to a Gmail account, or an IMAP account with auth = \"oauth2\" (Microsoft 365, Outlook.com,\n"
      "Google): in the browser (loopback with PKCE), or with --device by a code entered on any device");
  commands.auth->add_option("account", line.auth_options.account, "The account's name in the config")->required();
  commands.auth->add_flag("--no-browser", line.auth_options.no_browser, "Only print the sign-in URL");
  commands.auth->add_flag("--device", line.auth_options.device,
                          "Sign in without a browser here: print a code to enter at the provider's page");

  commands.rebuild = app.add_subcommand(
      "rebuild", "Recompute contacts and stages from the stored messages (after changing identity or rules)");

  commands.why = app.add_subcommand("why", "Say why an address is or is not a contact, with a message that shows it");
  commands.why->add_option("email", line.why_options.email, "The address")->required();
  commands.why->add_flag("--json", line.why_options.json, "JSON output");

  commands.block = app.add_subcommand(
      "block", "Not a contact: hide an address or a whole domain from every list, now and after later syncs");
  commands.block->add_option("entry", line.block_options.entry, "jane@example.com, or example.com")->required();
  commands.unblock =
      app.add_subcommand("unblock", "Take an address or domain off the blocklist: its contacts come back");
  commands.unblock->add_option("entry", line.block_options.entry, "As given to block")->required();
  commands.blocks = app.add_subcommand("blocks", "List the blocklist (`block` entries)");
  commands.blocks->add_flag("--json", line.block_options.json, "JSON output");

  commands.forget = app.add_subcommand(
      "forget", "Erase a person: the contact, its history and the address in every stored message, for good");
  commands.forget->add_option("email", line.forget_options.email, "The address")->required();

  commands.open = app.add_subcommand(
      "open", "Open the running daemon's status page in the browser, signed in by a one-time link (2 minutes)");
  commands.open->add_flag("--print", line.open_options.print, "Only print the link");

  commands.export_contacts = app.add_subcommand(
      "export", "Print contacts for a spreadsheet or a CRM import (email, first/last name, company, stage, ...)");
  commands.export_contacts->add_option("--format", line.export_options.format, "csv or jsonl")->capture_default_str();
  commands.export_contacts->add_option("--stage", line.export_options.stage,
                                       "Only this stage: lead, prospect, opportunity, customer, disqualified");

  commands.team = app.add_subcommand(
      "team", "Show the team's combined pipeline from the team database ([team]): reps, companies, collisions");
  commands.team->add_flag("--json", line.team_options.json, "Print JSON");

  commands.publish =
      app.add_subcommand("publish", "Send what waits in the outbox to the team database and webhooks now, then exit");
  commands.publish->add_option("--timeout", line.publish_options.timeout_seconds, "Give up after this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return commands;
}

// One-off commands stay quiet unless asked; the daemon logs at the configured level.
std::string log_level(bool verbose, bool daemon, const prospectd::config::Config& config) {
  return verbose ? "debug" : (daemon || config.log_level != "info") ? config.log_level : "warn";
}

// Runs the parsed command and returns the exit code: 2 for a configuration error, 1 for others.
int dispatch(const Subcommands& commands, CommandLine& line) {
  // init and doctor work before (or despite) a valid config.
  try {
    if (*commands.init) return run_init_command(line.config_path, line.init_options);
    if (*commands.doctor) {
      line.doctor_options.verbose = line.verbose;
      return run_doctor_command(line.config_path, line.doctor_options);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 1;
  }

  try {
    const prospectd::config::Config config = prospectd::config::load_config(line.config_path);
    const bool daemon = commands.run->parsed();
    set_up_logging(log_level(line.verbose, daemon, config), daemon ? config.log_file : std::filesystem::path());
    // The rep's data is theirs: a data_dir or file another user could read is narrowed now.
    for (const auto& narrowed : prospectd::util::make_private(config.data_dir)) {
      spdlog::warn("{} could be read by other users; narrowed to owner-only", narrowed);
    }
    if (*commands.sync) return run_sync_command(config, line.sync_options);
    if (*commands.status) return run_status_command(config, line.status_options);
    if (*commands.contacts) return run_contacts_command(config, line.contacts_options);
    if (*commands.contact) return run_contact_command(config, line.contact_options);
    if (*commands.threads) return run_threads_command(config, line.threads_options);
    if (*commands.stage) return run_stage_command(config, line.stage_options);
    if (*commands.rebuild) return run_rebuild_command(config);
    if (*commands.run) return prospectd::daemon::run_daemon_command(config);
    if (*commands.auth) return run_auth_command(config, line.auth_options);
    if (*commands.open) return run_open_command(config, line.open_options);
    if (*commands.why) return run_why_command(config, line.why_options);
    if (*commands.block) return run_block_command(config, line.block_options);
    if (*commands.unblock) return run_unblock_command(config, line.block_options);
    if (*commands.blocks) return run_blocks_command(config, line.block_options);
    if (*commands.forget) return run_forget_command(config, line.forget_options);
    if (*commands.export_contacts) return run_export_command(config, line.export_options);
    if (*commands.team) return run_team_command(config, line.team_options);
    if (*commands.publish) return run_publish_command(config, line.publish_options);
  } catch (const prospectd::config::ConfigError& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "prospectd: %s\n", error.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Every file and directory prospectd creates (store, WAL, logs, tokens) is owner-only,
  // whatever umask it was started with.
  ::umask(077);
  CLI::App app{
      "prospectd turns a sales rep's mailbox into a CRM: it syncs mail metadata from IMAP\n"
      "or Gmail, links threads to the people in them and tracks each contact's stage."};
  CommandLine line;
  declare_global_options(app, line);
  const Subcommands commands = declare_subcommands(app, line);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return dispatch(commands, line);
}
