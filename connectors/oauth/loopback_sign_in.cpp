// The loopback half of the installed-app sign-in: cpp-httplib listens on 127.0.0.1 until
// the browser arrives with the code (or an error) for our state.
#include "connectors/oauth/loopback_sign_in.h"

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace prospectd::connectors::oauth {
namespace {

class HttplibReceiver final : public LoopbackReceiver {
 public:
  explicit HttplibReceiver(std::string state) : expected_state_(std::move(state)) {}
  ~HttplibReceiver() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool listen() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    server_.Get("/", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      if (request.get_param_value("state") != expected_state_) {
        response.status = 400;
        response.set_content("This sign-in link does not belong to the running `prospectd auth`.", "text/plain");
        return;
      }
      if (request.has_param("error")) {
        result_ = std::unexpected("the sign-in page answered: " + request.get_param_value("error"));
        response.set_content("Sign-in failed. You can close this window.", "text/plain");
      } else if (request.has_param("code")) {
        result_ = request.get_param_value("code");
        response.set_content("prospectd is signed in. You can close this window.", "text/plain");
      } else {
        response.status = 400;
        response.set_content("No authorization code in this request.", "text/plain");
        return;
      }
      done_.notify_all();
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return true;
  }

  std::string redirect_uri() const override { return "http://127.0.0.1:" + std::to_string(port_); }

  std::expected<std::string, std::string> wait_for_code(std::chrono::seconds timeout) override {
    std::unique_lock lock(mutex_);
    if (!done_.wait_for(lock, timeout, [this] { return result_.has_value(); })) {
      return std::unexpected("no answer from the browser within " + std::to_string(timeout.count()) + " s");
    }
    return *result_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable done_;
  const std::string expected_state_;
  std::optional<std::expected<std::string, std::string>> result_;
};

}  // namespace

std::expected<std::unique_ptr<LoopbackReceiver>, std::string> LoopbackReceiver::start(std::string state) {
  auto receiver = std::make_unique<HttplibReceiver>(std::move(state));
  if (!receiver->listen()) return std::unexpected("cannot listen on 127.0.0.1");
  return receiver;
}

}  // namespace prospectd::connectors::oauth
