// Gmail sync: getProfile; then either a full sync (messages.list pages, threads in id order,
// each fetched by its cheapest call) or history.list from the stored historyId (404: resync).
#include "connectors/gmail/gmail_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "connectors/gmail/google_oauth.h"
#include "connectors/gmail/message_mapper.h"
#include "connectors/mail/header_parser.h"

namespace prospectd::connectors::gmail {
namespace {

// Gmail ids are hexadecimal numbers of equal length for a mailbox's era; compare as numbers.
bool id_less(const std::string& a, const std::string& b) { return a.size() != b.size() ? a.size() < b.size() : a < b; }

std::string metadata_query() {
  std::string query = "format=metadata";
  for (const std::string_view field : mail::needed_header_fields()) {
    query += "&metadataHeaders=";
    query += field;
  }
  return query;
}

std::string json_string(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return {};
  const auto it = object.find(name);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  return {};
}

struct ThreadPlan {
  std::string thread_id;
  std::vector<std::string> message_ids;  // the ones to store
};

struct State {
  std::string history_id;
  std::string full_sync_after;  // non-empty while a full sync is under way
  bool full_sync_started = false;
};

std::optional<State> parse_state(const std::optional<core::Checkpoint>& checkpoint) {
  if (!checkpoint) return std::nullopt;
  const nlohmann::json json = nlohmann::json::parse(checkpoint->state, nullptr, false);
  State state;
  state.history_id = json_string(json, "historyId");
  if (state.history_id.empty()) return std::nullopt;
  if (json.contains("full_sync_after")) {
    state.full_sync_started = true;
    state.full_sync_after = json_string(json, "full_sync_after");
  }
  return state;
}

class SyncRun {
 public:
  SyncRun(const GmailSourceOptions& options, ApiClient& api, const BatchSink& sink, const ProgressObserver& progress,
          SyncSummary& summary, GmailSyncStats& stats)
      : options_(options), api_(api), sink_(sink), progress_(progress), summary_(summary), stats_(stats) {}

  std::expected<void, core::SourceError> run(const std::optional<State>& stored, std::vector<std::string>& own,
                                             bool learn_identity) {
    auto profile = api_.call({Method::get_profile, "profile"});
    if (!profile) return std::unexpected(profile.error());
    const std::string current_history = json_string(profile->body, "historyId");
    if (profile->body.contains("messagesTotal") && profile->body["messagesTotal"].is_number_unsigned()) {
      server_count_ = profile->body["messagesTotal"].get<std::uint64_t>();
    }
    if (learn_identity) {
      auto learned = learn_addresses(profile->body, own);
      if (!learned) return learned;
    }
    if (!stored) return full_sync(current_history, "", false);
    if (stored->full_sync_started) return full_sync(stored->history_id, stored->full_sync_after, false);
    if (stored->history_id == current_history) {
      report(0, 0);
      return {};
    }
    return incremental(stored->history_id);
  }

 private:
  std::expected<void, core::SourceError> learn_addresses(const nlohmann::json& profile, std::vector<std::string>& own) {
    own.clear();
    if (const std::string address = json_string(profile, "emailAddress"); !address.empty()) own.push_back(address);
    auto send_as = api_.call({Method::send_as_list, "settings/sendAs"});
    if (!send_as) {
      // Without the settings scope the aliases stay unknown; the configured identities remain.
      if (send_as.error().kind != core::ErrorKind::auth) return std::unexpected(send_as.error());
      spdlog::info("gmail: cannot list send-as aliases ({})", send_as.error().message);
      return {};
    }
    if (send_as->body.contains("sendAs") && send_as->body["sendAs"].is_array()) {
      for (const auto& alias : send_as->body["sendAs"]) {
        const std::string address = json_string(alias, "sendAsEmail");
        if (!address.empty() && std::find(own.begin(), own.end(), address) == own.end()) own.push_back(address);
      }
    }
    return {};
  }

  // Lists every message (id, threadId), then stores threads in id order, `batch_size` messages
  // per batch; the checkpoint names the last stored thread until the last batch.
  std::expected<void, core::SourceError> full_sync(const std::string& history_id, const std::string& after,
                                                   bool reset) {
    stats_.full_sync = true;
    std::map<std::string, ThreadPlan, decltype(&id_less)> threads(&id_less);
    std::string page_token;
    do {
      std::string path = "messages?maxResults=500";
      if (!page_token.empty()) path += "&pageToken=" + oauth::url_encode(page_token);
      auto page = api_.call({Method::messages_list, path});
      if (!page) return std::unexpected(page.error());
      if (page->not_found)
        return std::unexpected(core::SourceError{core::ErrorKind::fatal, "messages.list answered 404"});
      const nlohmann::json& body = page->body;
      if (body.contains("messages") && body["messages"].is_array()) {
        for (const auto& entry : body["messages"]) {
          const std::string id = json_string(entry, "id");
          const std::string thread = json_string(entry, "threadId");
          if (id.empty() || thread.empty()) continue;
          if (!after.empty() && !id_less(after, thread)) continue;  // stored before a restart
          auto& plan = threads.try_emplace(thread, ThreadPlan{thread, {}}).first->second;
          plan.message_ids.push_back(id);
        }
      }
      page_token = json_string(body, "nextPageToken");
    } while (!page_token.empty());

    std::uint64_t total = 0;
    for (const auto& [id, plan] : threads) total += plan.message_ids.size();
    std::vector<ThreadPlan> chunk;
    std::size_t chunk_messages = 0;
    std::uint64_t done = 0;
    bool first = true;
    report(0, total);
    auto it = threads.begin();
    while (it != threads.end() || first) {
      chunk.clear();
      chunk_messages = 0;
      while (it != threads.end() &&
             (chunk.empty() || chunk_messages + it->second.message_ids.size() <= options_.batch_size)) {
        chunk_messages += it->second.message_ids.size();
        chunk.push_back(std::move(it->second));
        ++it;
      }
      std::vector<core::MessageMeta> messages;
      auto fetched = fetch(chunk, false, messages);
      if (!fetched) return fetched;
      nlohmann::json state{{"historyId", history_id}};
      if (it != threads.end()) state["full_sync_after"] = chunk.back().thread_id;
      commit(std::move(messages), state, reset && first);
      first = false;
      done += chunk_messages;
      report(done, total);
    }
    // Mail that arrived while we listed is in the history since `history_id`.
    return incremental(history_id);
  }

  std::expected<void, core::SourceError> incremental(const std::string& start) {
    std::vector<std::pair<std::string, std::string>> added;  // (id, threadId), first seen first
    std::unordered_set<std::string> seen;
    std::string page_token;
    std::string latest = start;
    do {
      std::string path =
          "history?startHistoryId=" + oauth::url_encode(start) + "&historyTypes=messageAdded&maxResults=500";
      if (!page_token.empty()) path += "&pageToken=" + oauth::url_encode(page_token);
      auto page = api_.call({Method::history_list, path});
      if (!page) return std::unexpected(page.error());
      if (page->not_found) {
        // Google keeps history for a limited time (about a week): start over, replacing the
        // scope's stored ids in the first batch so nothing is duplicated.
        spdlog::info("gmail: history {} has expired; running a full sync", start);
        stats_.history_expired = true;
        auto profile = api_.call({Method::get_profile, "profile"});
        if (!profile) return std::unexpected(profile.error());
        return full_sync(json_string(profile->body, "historyId"), "", true);
      }
      const nlohmann::json& body = page->body;
      if (body.contains("history") && body["history"].is_array()) {
        for (const auto& record : body["history"]) {
          if (!record.contains("messagesAdded") || !record["messagesAdded"].is_array()) continue;
          for (const auto& entry : record["messagesAdded"]) {
            if (!entry.contains("message")) continue;
            const auto& message = entry["message"];
            if (is_ignored(message)) continue;
            const std::string id = json_string(message, "id");
            if (id.empty() || !seen.insert(id).second) continue;
            added.emplace_back(id, json_string(message, "threadId"));
          }
        }
      }
      if (const std::string history = json_string(body, "historyId"); !history.empty()) latest = history;
      page_token = json_string(body, "nextPageToken");
    } while (!page_token.empty());

    // Group by thread, keeping the order in which threads first gained a message.
    std::vector<ThreadPlan> plans;
    std::unordered_map<std::string, std::size_t> slot;
    for (const auto& [id, thread] : added) {
      const std::string key = thread.empty() ? id : thread;
      const auto [where, inserted] = slot.try_emplace(key, plans.size());
      if (inserted) plans.push_back(ThreadPlan{thread, {}});
      plans[where->second].message_ids.push_back(id);
    }
    const std::uint64_t total = added.size();
    std::uint64_t done = 0;
    report(0, total);
    std::size_t next = 0;
    do {
      std::vector<ThreadPlan> chunk;
      std::size_t chunk_messages = 0;
      while (next < plans.size() &&
             (chunk.empty() || chunk_messages + plans[next].message_ids.size() <= options_.batch_size)) {
        chunk_messages += plans[next].message_ids.size();
        chunk.push_back(std::move(plans[next++]));
      }
      std::vector<core::MessageMeta> messages;
      auto fetched = fetch(chunk, true, messages);
      if (!fetched) return fetched;
      // Until the last batch is stored, a restart must read the history again from `start`.
      const bool last = next >= plans.size();
      if (!messages.empty() || (last && latest != start)) {
        commit(std::move(messages), nlohmann::json{{"historyId", last ? latest : start}}, false);
      }
      done += chunk_messages;
      report(done, total);
    } while (next < plans.size());
    return {};
  }

  // Fetches the chunk's threads concurrently, each by its cheapest call. With `only_listed`,
  // a threads.get answer is cut to the listed messages (the others are stored already).
  std::expected<void, core::SourceError> fetch(const std::vector<ThreadPlan>& chunk, bool only_listed,
                                               std::vector<core::MessageMeta>& out) {
    static const std::string kQuery = metadata_query();
    std::vector<ApiRequest> requests;
    for (const ThreadPlan& plan : chunk) {
      const Method method = plan.thread_id.empty() ? Method::messages_get : cheapest_fetch(plan.message_ids.size());
      if (method == Method::threads_get) {
        requests.push_back({method, "threads/" + oauth::url_encode(plan.thread_id) + "?" + kQuery});
      } else {
        for (const std::string& id : plan.message_ids) {
          requests.push_back({Method::messages_get, "messages/" + oauth::url_encode(id) + "?" + kQuery});
        }
      }
    }
    auto results = api_.run(requests);
    if (!results) return std::unexpected(results.error());
    std::size_t next = 0;
    for (const ThreadPlan& plan : chunk) {
      ++stats_.threads;
      const Method method = plan.thread_id.empty() ? Method::messages_get : cheapest_fetch(plan.message_ids.size());
      if (method == Method::threads_get) {
        const ApiResult& result = (*results)[next++];
        if (result.not_found || !result.body.contains("messages") || !result.body["messages"].is_array()) continue;
        const std::unordered_set<std::string> wanted(plan.message_ids.begin(), plan.message_ids.end());
        for (const auto& message : result.body["messages"]) {
          if (only_listed && !wanted.contains(json_string(message, "id"))) continue;
          add(message, out);
        }
      } else {
        for (std::size_t i = 0; i < plan.message_ids.size(); ++i) {
          const ApiResult& result = (*results)[next++];
          if (!result.not_found) add(result.body, out);  // deleted since it was listed: gone
        }
      }
    }
    return {};
  }

  void add(const nlohmann::json& message, std::vector<core::MessageMeta>& out) {
    if (is_ignored(message)) return;
    auto meta = map_message(message);
    if (!meta) {
      spdlog::warn("gmail: skipping a message: {}", meta.error());
      ++summary_.items_skipped;
      return;
    }
    out.push_back(std::move(*meta));
  }

  void commit(std::vector<core::MessageMeta> messages, const nlohmann::json& state, bool reset) {
    core::Batch batch;
    summary_.messages_fetched += messages.size();
    stats_.messages += messages.size();
    batch.messages = std::move(messages);
    batch.checkpoint = core::Checkpoint{std::string(kScope), state.dump(), server_count_};
    batch.reset_scope = reset;
    ++summary_.batches;
    sink_(std::move(batch));  // throws if the store cannot take it
  }

  void report(std::uint64_t done, std::uint64_t total) {
    if (progress_) progress_(Progress{std::string(kScope), done, total});
  }

  const GmailSourceOptions& options_;
  ApiClient& api_;
  const BatchSink& sink_;
  const ProgressObserver& progress_;
  SyncSummary& summary_;
  GmailSyncStats& stats_;
  std::optional<std::uint64_t> server_count_;
};

}  // namespace

Method cheapest_fetch(std::size_t messages) {
  return static_cast<std::size_t>(quota_cost(Method::threads_get)) <=
                 messages * static_cast<std::size_t>(quota_cost(Method::messages_get))
             ? Method::threads_get
             : Method::messages_get;
}

GmailSource::GmailSource(GmailSourceOptions options) : options_(std::move(options)) {
  if (options_.batch_size == 0) options_.batch_size = 500;
}

std::expected<SyncSummary, core::SourceError> GmailSource::sync(const CheckpointReader& checkpoints,
                                                                const BatchSink& sink,
                                                                const ProgressObserver& progress) {
  stats_ = GmailSyncStats{};
  auto refresh_token = oauth::read_refresh_token(options_.token_file, options_.oauth.account_name);
  if (!refresh_token) return std::unexpected(refresh_token.error());
  oauth::OAuthClient client = options_.oauth;
  if (client.provider.empty()) client.provider = kProviderName;
  oauth::AccessTokens tokens(std::move(client), std::move(*refresh_token), options_.token_file);
  ApiClient api(options_.api, tokens);
  SyncSummary summary;
  SyncRun run(options_, api, sink, progress, summary, stats_);
  const std::optional<State> stored = parse_state(checkpoints(std::string(kScope)));
  auto result = run.run(stored, own_addresses_, true);
  stats_.api = api.stats();
  const double per_message =
      stats_.messages ? static_cast<double>(stats_.api.units) / static_cast<double>(stats_.messages) : 0.0;
  spdlog::info(
      "gmail: {} messages, {} requests, {} quota units ({:.2f} per message), {} quota errors, "
      "{} retries, {} token refreshes",
      stats_.messages, stats_.api.requests, stats_.api.units, per_message, stats_.api.quota_errors, stats_.api.retries,
      tokens.refreshes());
  if (!result) return std::unexpected(result.error());
  return summary;
}

}  // namespace prospectd::connectors::gmail
