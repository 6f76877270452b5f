// HttpServer: cpp-httplib set up for a loopback service — AccessGuard before routing (Host check
// against DNS rebinding, Origin check, bearer token or browser session, CSRF), security headers on
// every answer, bounded bodies and timeouts, request counting for /metrics — and its lifecycle.
#include "http/server.h"

#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "http/access_guard.h"
#include "http/context.h"
#include "http/current_token.h"
#include "http/handlers.h"
#include "http/listen_origins.h"
#include "http/session_routes.h"
#include "http/session_store.h"
#include "http/worker_pool.h"
#include "util/host_port.h"

namespace prospectd::http {
namespace {

// Thread per connection: a slow client holds a worker until the read timeout. 32 workers (each
// opens its read connection lazily) let 31 stalled clients leave the page unaffected; beyond
// that a request waits at most kReadTimeoutSeconds. The daemon listens on loopback only.
constexpr std::size_t kWorkers = 32;
constexpr time_t kReadTimeoutSeconds = 3;
constexpr std::size_t kMaxBody = 64 * 1024;
constexpr time_t kIoTimeoutSeconds = 5;
constexpr time_t kKeepAliveSeconds = 2;
constexpr std::size_t kKeepAliveRequests = 100;

using ListenAddress = util::HostPort;

ListenAddress parse_listen(const std::string& listen) {
  if (auto address = util::parse_host_port(listen)) return *address;
  throw std::runtime_error("cannot listen on " + listen + ": expected host:port with a port from 0 to 65535");
}

// Why binding failed, found by trying it the same way (cpp-httplib only says that it did).
std::string bind_failure_reason(const ListenAddress& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int error = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return gai_strerror(error);
  }
  std::string reason = "no usable address";
  for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    const int fd = ::socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const bool bound = ::bind(fd, entry->ai_addr, entry->ai_addrlen) == 0;
    reason = bound ? "the address could not be used" : std::strerror(errno);
    ::close(fd);
    if (!bound) break;
  }
  freeaddrinfo(found);
  return reason;
}

// Only SO_REUSEADDR: cpp-httplib's default SO_REUSEPORT would let a second daemon bind the
// same port and silently take half of the connections.
void socket_options(socket_t fd) {
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

// A fixed set of route names for /metrics, so label values never grow with the traffic.
std::string route_label(const httplib::Request& req) {
  static constexpr std::array<std::string_view, 12> kRoutes = {
      "/",           "/app.css",      "/app.js",      "/healthz",       "/metrics",  "/login",
      "/api/status", "/api/contacts", "/api/threads", "/api/dashboard", "/api/sync", "/api/session"};
  for (const auto route : kRoutes) {
    if (req.path == route) return std::string(route);
  }
  if (req.path.starts_with("/api/contacts/")) {
    return req.path.ends_with("/stage") ? "/api/contacts/{email}/stage" : "/api/contacts/{email}";
  }
  return "other";
}

std::string error_text(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large (at most 64 KiB)";
    case 414:
      return "request URI too long";
    default:
      return "error " + std::to_string(status);
  }
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions options, sync::LiveStatus& live, SyncRequester request_sync)
      : address(parse_listen(options.listen)),
        token(options.data_dir),
        context(std::move(options), live, std::move(request_sync)),
        guard(context.options.listen, context.options.data_dir, token, sessions) {}

  void configure();

  ListenAddress address;
  CurrentHttpToken token;  // data_dir/http-token, followed while serving
  SessionStore sessions;
  HttpContext context;
  AccessGuard guard;  // set_listen() in start(), read-only while serving
  httplib::Server server;
  std::thread thread;
};

void HttpServer::Impl::configure() {
  server.new_task_queue = [this] { return new HttpWorkerPool(kWorkers, context.options.store_file); };
  server.set_socket_options(socket_options);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
  // the client's delayed ACK hold every answer back ~40 ms on a keep-alive connection.
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(kMaxBody);
  server.set_read_timeout(kReadTimeoutSeconds, 0);
  server.set_write_timeout(kIoTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  server.set_keep_alive_max_count(kKeepAliveRequests);
  server.set_default_headers({
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  });
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return guard.refuse(req, res) ? httplib::Server::HandlerResponse::Handled
                                  : httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const StoreUnavailable& unavailable) {
      reply_error(res, 503, unavailable.what());
    } catch (const std::exception& failure) {
      spdlog::error("HTTP {} {} failed: {}", req.method, req.path, failure.what());
      reply_error(res, 500, "internal error (the daemon's log says more)");
    } catch (...) {
      spdlog::error("HTTP {} {} failed", req.method, req.path);
      reply_error(res, 500, "internal error");
    }
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && res.status != 304) reply_error(res, res.status, error_text(res.status));
  });
  server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    context.live.http_request(route_label(req), res.status);
    spdlog::debug("HTTP {} {} {}", req.method, req.path, res.status);
  });
  add_status_routes(server, context);
  add_crm_routes(server, context);
  add_dashboard_routes(server, context);
  add_write_routes(server, context);
  add_people_routes(server, context);
  add_team_routes(server, context);
  add_page_routes(server);
  add_session_routes(server, context.options.data_dir, token, sessions, guard);
}

HttpServer::HttpServer(HttpServerOptions options, sync::LiveStatus& live, SyncRequester request_sync)
    : impl_(std::make_unique<Impl>(std::move(options), live, std::move(request_sync))) {
  impl_->configure();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  Impl& impl = *impl_;
  if (impl.thread.joinable()) return;
  // A client that hangs up mid-answer must not kill the daemon with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  int port = impl.address.port;
  if (port == 0) {
    port = impl.server.bind_to_any_port(impl.address.host);
    if (port <= 0) port = -1;
  } else if (!impl.server.bind_to_port(impl.address.host, port)) {
    port = -1;
  }
  if (port < 0) {
    throw std::runtime_error("cannot listen on " + impl.context.options.listen + ": " +
                             bind_failure_reason(impl.address));
  }
  impl.context.port = port;
  impl.guard.set_listen(impl.address, port);
  impl.thread = std::thread([&impl] {
    if (!impl.server.listen_after_bind()) spdlog::error("the HTTP server stopped accepting connections");
  });
  // stop() only works once the accept loop runs: wait for it (it starts at once).
  for (int i = 0; i < 500 && !impl.server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  spdlog::info("status page and API on http://{}/", local_authority(impl.address, port));
  spdlog::info("to open the status page signed in, run `prospectd open` (or `prospectd open --print` for the link)");
}

void HttpServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

int HttpServer::port() const { return impl_->context.port; }

}  // namespace prospectd::http
