// Reconciles running workers with a config. Stops run in parallel (request all, then join),
// so shutdown takes as long as the slowest account, not the sum.
#include "sync/scheduler.h"

#include <spdlog/spdlog.h>

namespace prospectd::sync {
namespace {

bool same_rules(const config::Config& a, const config::Config& b) {
  return a.own_addresses == b.own_addresses && a.internal_domains == b.internal_domains && a.blocklist == b.blocklist &&
         a.stage_rules == b.stage_rules && a.accounts.size() == b.accounts.size() && [&] {
           for (std::size_t i = 0; i < a.accounts.size(); ++i) {
             if (a.accounts[i].username != b.accounts[i].username) return false;
           }
           return true;
         }();
}

}  // namespace

void Scheduler::apply(const config::Config& config) {
  std::lock_guard lock(mutex_);
  const bool rules_changed =
      !applied_ || !same_rules(*applied_, config) || applied_->store_file() != config.store_file();
  if (rules_changed) rules_ = std::make_shared<const RulesContext>(rules_context_from(config));
  std::vector<std::unique_ptr<AccountWorker>> retiring;
  for (auto it = workers_.begin(); it != workers_.end();) {
    const config::AccountConfig* wanted = config.find_account(it->first);
    if (!wanted || !(*wanted == it->second->account()) || rules_changed) {
      spdlog::info("{}: {}", it->first, wanted ? "settings changed, restarting" : "removed from the config, stopping");
      it->second->request_stop();
      retiring.push_back(std::move(it->second));
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  retiring.clear();  // joins
  for (const auto& account : config.accounts) {
    if (workers_.contains(account.name)) continue;
    spdlog::info("{}: starting ({} account, poll every {} s)", account.name, account.type,
                 account.poll_interval.count());
    workers_.emplace(account.name,
                     std::make_unique<AccountWorker>(account, rules_, config.store_file(), live_, source_factory_));
  }
  applied_ = config;
}

bool Scheduler::request_sync(const std::optional<std::string>& account) {
  std::lock_guard lock(mutex_);
  if (account) {
    const auto it = workers_.find(*account);
    if (it == workers_.end()) return false;
    it->second->request_sync();
    return true;
  }
  for (auto& [name, worker] : workers_) worker->request_sync();
  return true;
}

void Scheduler::stop_all() {
  std::lock_guard lock(mutex_);
  for (auto& [name, worker] : workers_) worker->request_stop();
  workers_.clear();  // joins each
}

}  // namespace prospectd::sync
