// The rep's window into prospectd: the JSON API of ARCHITECTURE.md "Interfaces" and the status page, served on
// 127.0.0.1 by cpp-httplib. Owns its listening socket and worker threads; each worker reads
// the store through its own read-only connection, so requests never block the sync.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/identity.h"
#include "sync/live_status.h"

namespace prospectd::http {

// How GET /api/team reaches the team database ([team] in the config; the password resolved once).
struct TeamAccess {
  std::string database;
  std::optional<std::string> password;
  std::string rep;
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8787";  // host:port; port 0 = any free port (tests)
  std::filesystem::path store_file;       // SQLite file (a StoreReader per worker thread)
  std::filesystem::path data_dir;         // http-token lives here
  int gone_quiet_days = 14;
  std::vector<std::string> account_names;             // configured accounts (shown before a first sync)
  rules::Identity identity;                           // the rep's addresses and colleagues' domains (`why`)
  std::vector<std::string> config_blocklist;          // the config's contacts.blocklist (`why`)
  std::map<std::string, std::string> publish_labels;  // outbox target -> "team" or a webhook's URL (status)
  std::optional<TeamAccess> team;                     // [team]: GET /api/team reads the team database
};

// Asks the scheduler for a sync now: one account, or all for nullopt. False if unknown account.
using SyncRequester = std::function<bool(const std::optional<std::string>&)>;

class HttpServer {
 public:
  // Reads or creates data_dir/http-token (throws std::runtime_error if it cannot).
  // `live` and `request_sync` must outlive the server; both are called from worker threads.
  HttpServer(HttpServerOptions options, sync::LiveStatus& live, SyncRequester request_sync);
  ~HttpServer();  // stops the server
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and serves on its own threads. Throws std::runtime_error
  // "cannot listen on 127.0.0.1:8787: <reason>".
  void start();
  // Stops accepting and finishes in-flight requests. Idempotent.
  void stop();
  // The bound port (after start()).
  int port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace prospectd::http
