// `contacts`, `contact`, `threads`, `stage` and `rebuild`: the CRM seen from the terminal.
// Text output is a compact table for people; --json is the ARCHITECTURE.md "Interfaces" document.
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/store_access.h"
#include "rules/canonical_address.h"
#include "rules/stage.h"
#include "store/reader.h"
#include "store/store.h"
#include "sync/classify.h"
#include "sync/rules_context.h"
#include "util/display_width.h"
#include "util/time_format.h"
#include "views/crm_json.h"

namespace prospectd::cli {
namespace {

std::string day_of(const std::optional<std::int64_t>& time) {
  return time ? util::iso8601_utc(*time).substr(0, 10) : std::string("-");
}

bool store_exists(const config::Config& config, bool json, const char* empty_json) {
  if (std::filesystem::exists(config.store_file())) return true;
  if (json) {
    std::cout << empty_json << "\n";
  } else {
    std::cout << "No data yet: run `prospectd sync` first.\n";
  }
  return false;
}

// --json output: the document, indented by two spaces.
void print_json(const nlohmann::json& document) { std::cout << document.dump(2) << "\n"; }

// --json output of a list: one array of each item's document.
template <typename Items, typename ToJson>
void print_json_array(const Items& items, ToJson to_json) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& item : items) list.push_back(to_json(item));
  print_json(list);
}

std::string canonical_or_throw(const std::string& email) {
  std::string canonical = rules::canonical_address(email);
  if (canonical.empty()) throw config::ConfigError("\"" + email + "\" is not an e-mail address");
  return canonical;
}

}  // namespace

int run_contacts_command(const config::Config& config, const ContactsCommandOptions& options) {
  if (options.stage && !core::stage_from_string(*options.stage)) {
    throw config::ConfigError("unknown stage \"" + *options.stage +
                              "\" (stages: lead, prospect, opportunity, customer, disqualified)");
  }
  if (!store_exists(config, options.json, "[]")) return 0;
  store::StoreReader reader = open_reader(config.store_file());
  store::ContactQuery query;
  if (options.stage) query.stage = core::to_string(*core::stage_from_string(*options.stage));
  const auto contacts = reader.contacts(query);
  if (options.json) {
    print_json_array(contacts, views::contact_json);
    return 0;
  }
  // Columns are measured in terminal columns, not bytes: a Greek or Japanese name is cut at a
  // character boundary and the next column still lines up.
  std::printf("%s %s %s %-11s %7s %4s %4s %-10s %s\n", util::fit_to_width("EMAIL", 36).c_str(),
              util::fit_to_width("NAME", 26).c_str(), util::fit_to_width("COMPANY", 24).c_str(), "STAGE", "THREADS",
              "IN", "OUT", "LAST", "REPLY?");
  for (const auto& contact : contacts) {
    std::printf("%s %s %s %-11s %7lld %4lld %4lld %-10s %s\n", util::fit_to_width(contact.email, 36).c_str(),
                util::fit_to_width(contact.name, 26).c_str(),
                util::fit_to_width(contact.company.value_or("-"), 24).c_str(), contact.stage.c_str(),
                static_cast<long long>(contact.thread_count), static_cast<long long>(contact.inbound_count),
                static_cast<long long>(contact.outbound_count), day_of(contact.last_message_at).c_str(),
                contact.needs_reply ? "needs reply" : "");
  }
  std::printf("%zu contacts\n", contacts.size());
  return 0;
}

int run_contact_command(const config::Config& config, const ContactCommandOptions& options) {
  const std::string email = canonical_or_throw(options.email);
  if (!std::filesystem::exists(config.store_file())) {
    std::fprintf(stderr, "prospectd: no contact %s (nothing synced yet)\n", email.c_str());
    return 1;
  }
  store::StoreReader reader = open_reader(config.store_file());
  const auto detail = reader.contact(email);
  if (!detail) {
    std::fprintf(stderr, "prospectd: no contact %s\n", email.c_str());
    return 1;
  }
  if (options.json) {
    print_json(views::contact_detail_json(*detail));
    return 0;
  }
  const auto& contact = detail->contact;
  std::cout << (contact.name.empty() ? contact.email : contact.name + " <" + contact.email + ">") << "\n"
            << "  company: " << contact.company.value_or("-") << "\n"
            << "  stage:   " << contact.stage << (contact.manual ? " (set by hand)" : "") << "\n"
            << "  seen:    first " << day_of(contact.first_seen) << ", last inbound " << day_of(contact.last_inbound)
            << ", last outbound " << day_of(contact.last_outbound) << "\n"
            << "  threads (" << detail->threads.size() << "):\n";
  for (const auto& thread : detail->threads) {
    std::cout << "    #" << thread.id << " " << day_of(thread.last_message_at) << " [" << thread.message_count << "] "
              << thread.subject << (thread.needs_reply ? "  (needs reply)" : "") << "\n";
  }
  std::cout << "  history:\n";
  for (const auto& event : detail->history) {
    std::cout << "    " << util::iso8601_utc(event.at) << " " << event.from.value_or("-") << " -> " << event.to
              << " by " << event.actor << (event.rule.empty() ? "" : " (" + event.rule + ")");
    if (event.thread) std::cout << " thread #" << *event.thread;
    if (!event.note.empty()) std::cout << ": " << event.note;
    std::cout << "\n";
  }
  return 0;
}

int run_threads_command(const config::Config& config, const ThreadsCommandOptions& options) {
  std::optional<std::string> contact;
  if (options.contact) contact = canonical_or_throw(*options.contact);
  if (!store_exists(config, options.json, "[]")) return 0;
  store::StoreReader reader = open_reader(config.store_file());
  const auto threads = reader.threads(contact);
  if (options.json) {
    print_json_array(threads, views::thread_json);
    return 0;
  }
  for (const auto& thread : threads) {
    std::printf("#%-7lld %-10s %3lld msgs  %s%s\n", static_cast<long long>(thread.id),
                day_of(thread.last_message_at).c_str(), static_cast<long long>(thread.message_count),
                thread.subject.c_str(), thread.needs_reply ? "  (needs reply)" : "");
  }
  std::printf("%zu threads\n", threads.size());
  return 0;
}

int run_stage_command(const config::Config& config, const StageCommandOptions& options) {
  const std::string email = canonical_or_throw(options.email);
  const auto stage = core::stage_from_string(options.stage);
  if (!stage) {
    throw config::ConfigError("unknown stage \"" + options.stage +
                              "\" (stages: lead, prospect, opportunity, customer, disqualified)");
  }
  store::Store store(config.store_file());
  const auto moved = store.move_stage(email, *stage, options.note, std::time(nullptr));
  if (!moved.found) {
    std::fprintf(stderr, "prospectd: no contact %s\n", email.c_str());
    return 1;
  }
  std::printf("%s: %s -> %s (by hand; rules will not change it again)\n", email.c_str(), moved.from.c_str(),
              moved.to.c_str());
  return 0;
}

int run_rebuild_command(const config::Config& config) {
  store::Store store(config.store_file());
  const sync::RulesContext rules = sync::rules_context_from(config, store);
  const store::Reclassifier reclassify = [&](const core::MessageMeta& message, bool automated) {
    store::ClassifiedMessage classified = sync::classify_message(message, rules);
    if (automated) classified.contacts.clear();
    return store::Reclassification{classified.direction, std::move(classified.contacts)};
  };
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = store.rebuild(reclassify, rules.evaluator());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("rebuilt %zu contacts from %zu messages in %.2f s (%zu set by hand kept)\n", outcome.contacts,
              outcome.messages, seconds, outcome.manual_kept);
  return 0;
}

}  // namespace prospectd::cli
