// fake_gmail_server: serves a generated Maildir as the Gmail REST API v1 (the paths, parameters
// and bodies of Google's discovery document) plus an OAuth token endpoint, for tests and bench.
#define CPPHTTPLIB_THREAD_POOL_COUNT 32
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>

#include "connectors/oauth/oauth.h"
#include "mailbox.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fg = prospectd::tests::fake_gmail;

struct Options {
  std::string maildir;
  int port = 0;
  std::string user = "rep@acme-sales.com";
  std::vector<std::string> aliases = {"rep@acme.io"};
  std::string client_id = "fake-client.apps.googleusercontent.com";
  std::string client_secret = "fake-secret";
  std::string refresh_token = "1//fake-refresh";
  int latency_ms = 0;
  double quota = 0;      // units per second per user; 0: unlimited
  int history_keep = 0;  // 0: keep all history
  int token_lifetime = 3600;
  double p429 = 0, p403 = 0, p500 = 0, pmalformed = 0, ptruncated = 0;
  int fault_retry_after = 1;
  unsigned seed = 1;
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Google's JSON error body (https://developers.google.com/gmail/api/guides/handle-errors).
std::string google_error(int code, const std::string& reason, const std::string& message, const std::string& status,
                         const std::string& domain = "global") {
  json error{{"code", code},
             {"message", message},
             {"errors", json::array({{{"message", message}, {"domain", domain}, {"reason", reason}}})}};
  if (!status.empty()) error["status"] = status;
  return json{{"error", error}}.dump(2);
}

int cost_of(const std::string& method) {
  static const std::map<std::string, int> kCosts{{"users.getProfile", 1},    {"users.settings.sendAs.list", 1},
                                                 {"users.messages.list", 5}, {"users.messages.get", 5},
                                                 {"users.threads.list", 10}, {"users.threads.get", 10},
                                                 {"users.history.list", 2},  {"users.labels.list", 1}};
  const auto it = kCosts.find(method);
  return it == kCosts.end() ? 1 : it->second;
}

std::vector<std::string> own_addresses(const Options& options) {
  std::vector<std::string> own{lower(options.user)};
  for (const auto& alias : options.aliases) own.push_back(lower(alias));
  return own;
}

class FakeGmail {
 public:
  explicit FakeGmail(Options options)
      : options_(std::move(options)),
        mailbox_(options_.maildir, own_addresses(options_)),
        random_(options_.seed),
        quota_tokens_(options_.quota),
        quota_updated_(Clock::now()) {
    mailbox_.scan();
    refresh_tokens_.insert(options_.refresh_token);
  }

  void install(httplib::Server& server) {
    server.Post("/token", [this](const httplib::Request& req, httplib::Response& res) { token(req, res); });
    const auto api = [this](const char* method, auto handler) {
      return [this, method, handler](const httplib::Request& req, httplib::Response& res) {
        if (!admit(method, req, res)) return;
        std::lock_guard lock(mutex_);
        handler(req, res);
      };
    };
    const std::string base = "/gmail/v1/users/me/";
    server.Get(base + "profile", api("users.getProfile", [this](const auto&, auto& res) {
                 send(res, json{{"emailAddress", options_.user},
                                {"messagesTotal", mailbox_.messages().size()},
                                {"threadsTotal", mailbox_.thread_count()},
                                {"historyId", std::to_string(mailbox_.history_id())}});
               }));
    server.Get(base + "settings/sendAs", api("users.settings.sendAs.list", [this](const auto&, auto& res) {
                 json list = json::array({{{"sendAsEmail", options_.user},
                                           {"displayName", "Alex Morgan"},
                                           {"isPrimary", true},
                                           {"isDefault", true}}});
                 for (const auto& alias : options_.aliases) {
                   list.push_back({{"sendAsEmail", alias},
                                   {"displayName", "Alex Morgan"},
                                   {"treatAsAlias", true},
                                   {"verificationStatus", "accepted"}});
                 }
                 send(res, json{{"sendAs", list}});
               }));
    server.Get(base + "messages", api("users.messages.list", [this](const auto& req, auto& res) { list(req, res); }));
    server.Get(base + R"(messages/([0-9a-f]+))", api("users.messages.get", [this](const auto& req, auto& res) {
                 const fg::FakeMessage* message = mailbox_.find(req.matches[1]);
                 if (!message) return not_found(res);
                 send(res, resource(*message, req));
               }));
    server.Get(base + R"(threads/([0-9a-f]+))", api("users.threads.get", [this](const auto& req, auto& res) {
                 const auto messages = mailbox_.thread(req.matches[1]);
                 if (messages.empty()) return not_found(res);
                 json out{{"id", std::string(req.matches[1])}, {"messages", json::array()}};
                 std::uint64_t history = 0;
                 for (const auto* message : messages) {
                   out["messages"].push_back(resource(*message, req));
                   history = std::max(history, message->history_id);
                 }
                 out["historyId"] = std::to_string(history);
                 send(res, out);
               }));
    server.Get(base + "history", api("users.history.list", [this](const auto& req, auto& res) { history(req, res); }));
    // Control endpoints for tests (no authentication, no quota).
    server.Post("/control/rescan", [this](const auto&, auto& res) {
      std::lock_guard lock(mutex_);
      const std::size_t added = mailbox_.scan();
      send(res, json{{"added", added}, {"historyId", std::to_string(mailbox_.history_id())}});
    });
    server.Post("/control/expire_history", [this](const auto&, auto& res) {
      std::lock_guard lock(mutex_);
      horizon_ = mailbox_.history_id();
      send(res, json{{"horizon", horizon_}});
    });
    server.Post("/control/revoke", [this](const auto&, auto& res) {
      std::lock_guard lock(mutex_);
      refresh_tokens_.clear();
      access_tokens_.clear();
      send(res, json::object());
    });
    server.Post("/control/expire_tokens", [this](const auto&, auto& res) {
      std::lock_guard lock(mutex_);
      access_tokens_.clear();
      send(res, json::object());
    });
    server.Post("/control/faults", [this](const httplib::Request& req, auto& res) {
      std::lock_guard lock(mutex_);
      const auto number = [&](const char* key, double& target) {
        if (req.has_param(key)) target = std::stod(req.get_param_value(key));
      };
      number("p429", options_.p429);
      number("p403", options_.p403);
      number("p500", options_.p500);
      number("pmalformed", options_.pmalformed);
      number("ptruncated", options_.ptruncated);
      if (req.has_param("expire_after")) {
        expire_at_ok_ = stats_.value("api_ok", std::int64_t{0}) + std::stoll(req.get_param_value("expire_after"));
      }
      send(res, json::object());
    });
    server.Post("/control/authorize", [this](const httplib::Request& req, auto& res) {
      std::lock_guard lock(mutex_);
      const std::string code = "4/fake-code-" + std::to_string(++issued_);
      codes_[code] = {req.get_param_value("code_challenge"), req.get_param_value("redirect_uri")};
      send(res, json{{"code", code}});
    });
    server.Get("/control/stats", [this](const auto&, auto& res) {
      std::lock_guard lock(mutex_);
      json out = stats_;
      std::int64_t least = 0;
      for (const std::size_t size : mailbox_.thread_sizes()) {
        least += std::min<std::int64_t>(10, 5 * static_cast<std::int64_t>(size));
      }
      out["mailbox"] = {
          {"messages", mailbox_.messages().size()}, {"threads", mailbox_.thread_count()}, {"least_fetch_units", least}};
      send(res, out);
    });
    server.Post("/control/reset_stats", [this](const auto&, auto& res) {
      std::lock_guard lock(mutex_);
      stats_ = json::object();
      send(res, json::object());
    });
  }

 private:
  static void send(httplib::Response& res, const json& body) {
    res.set_content(body.dump(), "application/json; charset=UTF-8");
  }

  void not_found(httplib::Response& res) {
    res.status = 404;
    res.set_content(google_error(404, "notFound", "Requested entity was not found.", "NOT_FOUND"),
                    "application/json; charset=UTF-8");
  }

  void count(const std::string& key, std::int64_t by = 1) { stats_[key] = stats_.value(key, std::int64_t{0}) + by; }

  // Latency, authentication, quota and injected faults; true when the request may proceed.
  bool admit(const std::string& method, const httplib::Request& req, httplib::Response& res) {
    if (options_.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    std::lock_guard lock(mutex_);
    count("requests");
    count("requests." + method);
    if (expire_at_ok_ > 0 && stats_.value("api_ok", std::int64_t{0}) >= expire_at_ok_) {
      access_tokens_.clear();  // mid-sync expiry: every access token dies at once
      expire_at_ok_ = 0;
      count("tokens_expired");
    }
    const std::string authorization = req.get_header_value("Authorization");
    const auto token = access_tokens_.find(authorization.starts_with("Bearer ") ? authorization.substr(7) : "");
    if (token == access_tokens_.end() || token->second < Clock::now()) {
      count("unauthorized");
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
      res.set_content(google_error(401, "authError",
                                   "Request had invalid authentication credentials. "
                                   "Expected OAuth 2 access token, login cookie or other valid "
                                   "authentication credential.",
                                   "UNAUTHENTICATED"),
                      "application/json; charset=UTF-8");
      return false;
    }
    const int cost = cost_of(method);
    if (options_.quota > 0) {
      const auto now = Clock::now();
      quota_tokens_ = std::min(
          options_.quota, quota_tokens_ + options_.quota * std::chrono::duration<double>(now - quota_updated_).count());
      quota_updated_ = now;
      if (quota_tokens_ < cost) {
        count("quota_errors");
        count("quota_errors.enforced");
        const int retry_after = std::max(1, static_cast<int>(std::ceil((cost - quota_tokens_) / options_.quota)));
        quota_error(res, retry_after, stats_.value("quota_errors", std::int64_t{0}) % 2 == 0);
        return false;
      }
      quota_tokens_ -= cost;
    }
    count("units", cost);
    std::uniform_real_distribution<double> dice(0, 1);
    if (dice(random_) < options_.p429) {
      count("quota_errors");
      count("faults.429");
      quota_error(res, options_.fault_retry_after, true);
      return false;
    }
    if (dice(random_) < options_.p403) {
      count("quota_errors");
      count("faults.403");
      quota_error(res, options_.fault_retry_after, false);
      return false;
    }
    if (dice(random_) < options_.p500) {
      count("faults.500");
      res.status = 500;
      res.set_content(google_error(500, "backendError", "Backend Error", "INTERNAL"),
                      "application/json; charset=UTF-8");
      return false;
    }
    if (dice(random_) < options_.pmalformed) {
      count("faults.malformed");
      res.set_content("{\"id\": \"18c00000", "application/json; charset=UTF-8");
      return false;
    }
    if (dice(random_) < options_.ptruncated) {
      count("faults.truncated");
      // Announce 4 KiB, send a few bytes, then drop the connection.
      res.set_content_provider(4096, "application/json; charset=UTF-8",
                               [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset == 0) sink.write("{\"messages\": [", 14);
                                 return false;
                               });
      return false;
    }
    count("api_ok");
    return true;
  }

  void quota_error(httplib::Response& res, int retry_after, bool as_429) {
    res.set_header("Retry-After", std::to_string(retry_after));
    if (as_429) {
      res.status = 429;
      res.set_content(google_error(429, "rateLimitExceeded", "Resource has been exhausted (e.g. check quota).",
                                   "RESOURCE_EXHAUSTED"),
                      "application/json; charset=UTF-8");
    } else {
      res.status = 403;
      res.set_content(
          google_error(403, "userRateLimitExceeded", "User Rate Limit Exceeded", "PERMISSION_DENIED", "usageLimits"),
          "application/json; charset=UTF-8");
    }
  }

  json resource(const fg::FakeMessage& message, const httplib::Request& req) {
    const std::string format = req.has_param("format") ? req.get_param_value("format") : "full";
    json out{{"id", message.id},
             {"threadId", message.thread_id},
             {"labelIds", message.labels},
             {"snippet", message.snippet},
             {"sizeEstimate", message.size},
             {"historyId", std::to_string(message.history_id)},
             {"internalDate", std::to_string(message.internal_ms)}};
    if (format == "minimal") return out;
    std::set<std::string> wanted;
    if (format == "metadata") {
      for (std::size_t i = 0; i < req.get_param_value_count("metadataHeaders"); ++i) {
        wanted.insert(lower(req.get_param_value("metadataHeaders", i)));
      }
    }
    json headers = json::array();
    for (const auto& [name, value] : message.headers) {
      if (!wanted.empty() && !wanted.contains(lower(name))) continue;
      headers.push_back({{"name", name}, {"value", value}});
    }
    out["payload"] = {{"partId", ""}, {"mimeType", "text/plain"}, {"filename", ""}, {"headers", headers}};
    return out;
  }

  static std::size_t page_size(const httplib::Request& req, std::size_t fallback) {
    if (!req.has_param("maxResults")) return fallback;
    return std::clamp<std::size_t>(std::stoul(req.get_param_value("maxResults")), 1, 500);
  }

  void list(const httplib::Request& req, httplib::Response& res) {
    const auto& messages = mailbox_.messages();
    const std::size_t size = page_size(req, 100);
    std::size_t offset = req.has_param("pageToken") ? std::stoul(req.get_param_value("pageToken")) : 0;
    json page = json::array();
    // Newest first, as Gmail lists.
    for (std::size_t i = offset; i < messages.size() && page.size() < size; ++i) {
      const auto& message = messages[messages.size() - 1 - i];
      page.push_back({{"id", message.id}, {"threadId", message.thread_id}});
    }
    offset += page.size();
    json out{{"messages", page}, {"resultSizeEstimate", messages.size()}};
    if (offset < messages.size()) out["nextPageToken"] = std::to_string(offset);
    send(res, out);
  }

  void history(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("startHistoryId")) {
      res.status = 400;
      res.set_content(google_error(400, "invalidArgument", "Missing startHistoryId", "INVALID_ARGUMENT"),
                      "application/json; charset=UTF-8");
      return;
    }
    const std::uint64_t start = std::stoull(req.get_param_value("startHistoryId"));
    std::uint64_t horizon = horizon_;
    if (options_.history_keep > 0 && mailbox_.history_id() > static_cast<std::uint64_t>(options_.history_keep)) {
      horizon = std::max<std::uint64_t>(horizon, mailbox_.history_id() - options_.history_keep);
    }
    if (start < horizon) {
      count("history_expired");
      return not_found(res);
    }
    const auto& records = mailbox_.history();
    const std::size_t size = page_size(req, 100);
    std::size_t index = req.has_param("pageToken")
                            ? std::stoul(req.get_param_value("pageToken"))
                            : static_cast<std::size_t>(std::upper_bound(records.begin(), records.end(), start,
                                                                        [](std::uint64_t value, const auto& record) {
                                                                          return value < record.id;
                                                                        }) -
                                                       records.begin());
    json out_records = json::array();
    for (; index < records.size() && out_records.size() < size; ++index) {
      const auto& record = records[index];
      const fg::FakeMessage* message = mailbox_.find(record.message_id);
      const json ref{{"id", message->id}, {"threadId", message->thread_id}};
      json entry{{"id", std::to_string(record.id)}, {"messages", json::array({ref})}};
      json full = ref;
      full["labelIds"] = message->labels;
      if (record.added) {
        entry["messagesAdded"] = json::array({{{"message", full}}});
      } else {
        entry["labelsAdded"] = json::array({{{"message", full}, {"labelIds", json::array({record.label})}}});
      }
      out_records.push_back(entry);
    }
    json out{{"historyId", std::to_string(mailbox_.history_id())}};
    if (!out_records.empty()) out["history"] = out_records;
    if (index < records.size()) out["nextPageToken"] = std::to_string(index);
    send(res, out);
  }

  void token(const httplib::Request& req, httplib::Response& res) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    const auto field = [&](const char* key) {
      const auto it = form.find(key);
      return it == form.end() ? std::string{} : it->second;
    };
    std::lock_guard lock(mutex_);
    count("token_requests");
    const auto oauth_error = [&](int status, const char* error, const char* description) {
      count(std::string("token_errors.") + error);
      res.status = status;
      send(res, json{{"error", error}, {"error_description", description}});
    };
    if (field("client_id") != options_.client_id || field("client_secret") != options_.client_secret) {
      return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    }
    json out{{"token_type", "Bearer"},
             {"expires_in", options_.token_lifetime},
             {"scope", "https://www.googleapis.com/auth/gmail.metadata"}};
    if (field("grant_type") == "refresh_token") {
      if (!refresh_tokens_.contains(field("refresh_token"))) {
        return oauth_error(400, "invalid_grant", "Token has been expired or revoked.");
      }
    } else if (field("grant_type") == "authorization_code") {
      const auto it = codes_.find(field("code"));
      if (it == codes_.end() || it->second.second != field("redirect_uri") ||
          prospectd::connectors::oauth::s256_challenge(field("code_verifier")) != it->second.first) {
        return oauth_error(400, "invalid_grant", "Bad Request");
      }
      codes_.erase(it);
      const std::string refresh = "1//fake-refresh-" + std::to_string(++issued_);
      refresh_tokens_.insert(refresh);
      out["refresh_token"] = refresh;
    } else {
      return oauth_error(400, "unsupported_grant_type", "Invalid grant_type");
    }
    const std::string access = "ya29.fake-" + std::to_string(++issued_);
    access_tokens_[access] = Clock::now() + std::chrono::seconds(options_.token_lifetime);
    out["access_token"] = access;
    count("tokens_issued");
    send(res, out);
  }

  Options options_;
  std::mutex mutex_;
  fg::Mailbox mailbox_;
  std::mt19937 random_;
  double quota_tokens_;
  Clock::time_point quota_updated_;
  std::uint64_t horizon_ = 0;
  std::int64_t expire_at_ok_ = 0;  // access tokens die when this many requests have succeeded
  std::set<std::string> refresh_tokens_;
  std::map<std::string, Clock::time_point> access_tokens_;
  std::map<std::string, std::pair<std::string, std::string>> codes_;  // code -> challenge, redirect
  std::uint64_t issued_ = 0;
  json stats_ = json::object();
};

int usage() {
  std::fprintf(stderr,
               "usage: fake_gmail_server --maildir DIR [--port N] [--user ADDR] [--alias ADDR]...\n"
               "  [--client-id ID] [--client-secret S] [--refresh-token T] [--latency-ms N]\n"
               "  [--quota UNITS_PER_S] [--history-keep N] [--token-lifetime S] [--seed N]\n"
               "  [--p429 P] [--p403 P] [--p500 P] [--pmalformed P] [--ptruncated P] [--fault-retry-after S]\n");
  return 2;
}

// The options that take a value, each with the field it sets (--alias, which repeats, is apart).
using Field = std::variant<std::string Options::*, int Options::*, double Options::*, unsigned Options::*>;
const std::map<std::string, Field> kValueOptions = {{"--maildir", &Options::maildir},
                                                    {"--port", &Options::port},
                                                    {"--user", &Options::user},
                                                    {"--client-id", &Options::client_id},
                                                    {"--client-secret", &Options::client_secret},
                                                    {"--refresh-token", &Options::refresh_token},
                                                    {"--latency-ms", &Options::latency_ms},
                                                    {"--quota", &Options::quota},
                                                    {"--history-keep", &Options::history_keep},
                                                    {"--token-lifetime", &Options::token_lifetime},
                                                    {"--seed", &Options::seed},
                                                    {"--p429", &Options::p429},
                                                    {"--p403", &Options::p403},
                                                    {"--p500", &Options::p500},
                                                    {"--pmalformed", &Options::pmalformed},
                                                    {"--ptruncated", &Options::ptruncated},
                                                    {"--fault-retry-after", &Options::fault_retry_after}};

// Sets `field` of `options` from an option's value, read as the field's type (std::sto* throw
// std::invalid_argument on a value that is not a number).
void set_field(Options& options, const Field& field, const std::string& value) {
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(options.*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          options.*member = value;
        } else if constexpr (std::is_same_v<T, int>) {
          options.*member = std::stoi(value);
        } else if constexpr (std::is_same_v<T, double>) {
          options.*member = std::stod(value);
        } else {
          static_assert(std::is_same_v<T, unsigned>);
          options.*member = static_cast<unsigned>(std::stoul(value));
        }
      },
      field);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool aliases_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--alias") {
      if (!aliases_given) options.aliases.clear();
      aliases_given = true;
      options.aliases.push_back(value);
    } else if (const auto option = kValueOptions.find(arg); option != kValueOptions.end()) {
      set_field(options, option->second, value);
    } else {
      return usage();
    }
  }
  if (options.maildir.empty()) return usage();
  FakeGmail fake(options);
  httplib::Server server;
  server.set_keep_alive_max_count(1'000'000);
  server.set_keep_alive_timeout(60);
  // cpp-httplib's default pool has 8 threads: the client's 8 kept-alive API connections would
  // hold them all and a token request on a 9th connection would wait for a keep-alive timeout.
  // Google serves any number of connections; so does the fake (within reason).
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  fake.install(server);
  const int port = options.port ? (server.bind_to_port("127.0.0.1", options.port) ? options.port : -1)
                                : server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "fake_gmail_server: cannot listen\n");
    return 1;
  }
  std::printf("LISTENING %d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
