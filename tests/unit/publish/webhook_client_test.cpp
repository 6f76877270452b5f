// WebhookClient against real receivers on 127.0.0.1: cpp-httplib servers in this process (headers,
// signature, classification, redirects, stalls, huge bodies, keep-alive) and raw sockets that
// close without answering or are not there at all. Each receiver runs its own thread.
#include "publish/webhook_client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace publish = prospectd::publish;
using publish::DeliveryVerdict;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kSecret = "whsec-test-secret";

struct ReceivedRequest {
  httplib::Headers headers;
  std::string body;
  int remote_port = 0;
  std::string header(const std::string& name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

// An HTTP receiver on 127.0.0.1: POST /hook records the request and answers with `respond`.
// release() wakes handlers parked in wait_for_release (stalls), so stopping never waits on them.
class Receiver {
 public:
  using Responder = std::function<void(Receiver&, const httplib::Request&, httplib::Response&)>;

  explicit Receiver(Responder respond) : respond_(std::move(respond)) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({request.headers, request.body, request.remote_port});
      }
      respond_(*this, request, response);
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }

  ~Receiver() {
    release();
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  std::vector<ReceivedRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // Parks the calling handler until release() or `limit`.
  void wait_for_release(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    released_changed_.wait_for(lock, limit, [this] { return released_; });
  }

  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    released_changed_.notify_all();
  }

 private:
  Responder respond_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable released_changed_;
  bool released_ = false;
  std::vector<ReceivedRequest> requests_;
};

Receiver::Responder answer_with(int status, std::string body = "", httplib::Headers headers = {}) {
  return [=](Receiver&, const httplib::Request&, httplib::Response& response) {
    response.status = status;
    for (const auto& [name, value] : headers) response.set_header(name, value);
    if (!body.empty()) response.set_content(body, "text/plain");
  };
}

// A TCP listener on 127.0.0.1 that reads what arrives, then closes each connection unanswered.
class ClosingListener {
 public:
  ClosingListener() {
    socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(socket_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(socket_, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ClosingListener() {
    stopping_ = true;
    thread_.join();
    ::close(socket_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int accepted() const { return accepted_; }

 private:
  void serve() {
    while (!stopping_) {
      pollfd ready{socket_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      const int connection = ::accept(socket_, nullptr, nullptr);
      if (connection < 0) continue;
      ++accepted_;
      char buffer[4096];
      pollfd readable{connection, POLLIN, 0};
      if (::poll(&readable, 1, 1000) > 0) (void)::recv(connection, buffer, sizeof buffer, 0);
      ::close(connection);
    }
  }
  int socket_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A 127.0.0.1 port nobody listens on (bound, then released).
int unused_port() {
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(probe);
  return ntohs(address.sin_port);
}

// HMAC-SHA256 straight from OpenSSL, independent of the code under test.
std::string openssl_hmac_hex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 0xF];
  }
  return text;
}

publish::WebhookEndpoint endpoint_for(const std::string& url, std::chrono::milliseconds timeout = 5s) {
  publish::WebhookEndpoint endpoint;
  endpoint.url = url;
  endpoint.timeout = timeout;
  endpoint.connect_timeout = 2s;
  return endpoint;
}

publish::WebhookDelivery sample_delivery() {
  return {
      "dlv-0001", "stage_changed",
      R"({"type":"stage_changed","contact":{"email":"jane@example.com","name":"J\u00e9r\u00f4me"},"to":"prospect"})"};
}

}  // namespace

TEST_CASE("webhook_signature is sha256= and the RFC 4231 HMAC-SHA256 of the body") {
  // RFC 4231 test case 2.
  CHECK(publish::webhook_signature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 1.
  CHECK(publish::webhook_signature(std::string(20, '\x0b'), "Hi There") ==
        "sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("a delivery arrives as a signed JSON POST with its event and delivery id") {
  Receiver receiver(answer_with(204));
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  const auto delivery = sample_delivery();
  const auto outcome = client.deliver(delivery);
  CHECK(outcome.verdict == DeliveryVerdict::delivered);
  CHECK(outcome.http_status == 204);
  CHECK(outcome.error.empty());
  CHECK(!outcome.retry_after);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const auto& request = requests[0];
  CHECK(request.body == delivery.body);
  CHECK(request.header("Content-Type") == "application/json");
  CHECK(request.header("User-Agent").starts_with("prospectd"));
  CHECK(request.header("X-Prospectd-Event") == "stage_changed");
  CHECK(request.header("X-Prospectd-Delivery") == "dlv-0001");
  CHECK(request.header("X-Prospectd-Signature") == "sha256=" + openssl_hmac_hex(kSecret, request.body));
  CHECK(request.header("X-Prospectd-Signature") != "sha256=" + openssl_hmac_hex("other secret", request.body));
  CHECK(request.header("Expect").empty());
}

TEST_CASE("a 500 is the target's fault; the retry carries the same delivery id and signature") {
  std::atomic<int> calls{0};
  Receiver receiver([&](Receiver&, const httplib::Request&, httplib::Response& response) {
    response.status = calls++ == 0 ? 500 : 200;
    if (response.status == 500) response.set_content("database is down\r\nsecond line", "text/plain");
  });
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  const auto first = client.deliver(sample_delivery());
  CHECK(first.verdict == DeliveryVerdict::retry_target);
  CHECK(first.http_status == 500);
  CHECK(first.error == "HTTP 500: database is down second line");
  const auto second = client.deliver(sample_delivery());
  CHECK(second.verdict == DeliveryVerdict::delivered);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].header("X-Prospectd-Delivery") == requests[1].header("X-Prospectd-Delivery"));
  CHECK(requests[0].header("X-Prospectd-Signature") == requests[1].header("X-Prospectd-Signature"));
}

TEST_CASE("statuses are classified: other 4xx refuse the item, 408/429/5xx the target") {
  struct Case {
    int status;
    DeliveryVerdict verdict;
  };
  for (const Case c : {Case{400, DeliveryVerdict::retry_item}, Case{401, DeliveryVerdict::retry_item},
                       Case{404, DeliveryVerdict::retry_item}, Case{410, DeliveryVerdict::retry_item},
                       Case{408, DeliveryVerdict::retry_target}, Case{503, DeliveryVerdict::retry_target},
                       Case{200, DeliveryVerdict::delivered}, Case{202, DeliveryVerdict::delivered}}) {
    CAPTURE(c.status);
    Receiver receiver(answer_with(c.status));
    publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
    const auto outcome = client.deliver(sample_delivery());
    CHECK(outcome.verdict == c.verdict);
    CHECK(outcome.http_status == c.status);
    if (c.verdict != DeliveryVerdict::delivered) CHECK(outcome.error == "HTTP " + std::to_string(c.status));
  }
}

TEST_CASE("429 with Retry-After: 7 backs off the target for 7 seconds") {
  Receiver receiver(answer_with(429, "slow down", {{"Retry-After", "7"}}));
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  const auto outcome = client.deliver(sample_delivery());
  CHECK(outcome.verdict == DeliveryVerdict::retry_target);
  CHECK(outcome.http_status == 429);
  REQUIRE(outcome.retry_after);
  CHECK(*outcome.retry_after == 7s);
}

TEST_CASE("a redirect is not followed: the item is refused, naming where it pointed") {
  Receiver elsewhere(answer_with(200));
  Receiver receiver(answer_with(302, "", {{"Location", elsewhere.url()}}));
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  const auto outcome = client.deliver(sample_delivery());
  CHECK(outcome.verdict == DeliveryVerdict::retry_item);
  CHECK(outcome.http_status == 302);
  CHECK(outcome.error ==
        "redirected (HTTP 302) to " + elsewhere.url() + "; webhooks are not followed across redirects");
  CHECK(receiver.requests().size() == 1);
  CHECK(elsewhere.requests().empty());
}

TEST_CASE("a receiver that stalls past the timeout is the target's fault, within about the timeout") {
  Receiver receiver([](Receiver& self, const httplib::Request&, httplib::Response& response) {
    self.wait_for_release(10s);
    response.status = 200;
  });
  publish::WebhookClient client(endpoint_for(receiver.url(), 400ms), kSecret);
  const auto started = Clock::now();
  const auto outcome = client.deliver(sample_delivery());
  const auto elapsed = Clock::now() - started;
  CHECK(outcome.verdict == DeliveryVerdict::retry_target);
  CHECK(outcome.http_status == 0);
  CHECK(outcome.error.starts_with("no answer within 400 ms"));
  CHECK(elapsed >= 350ms);
  CHECK(elapsed < 2s);
}

TEST_CASE("a receiver that closes the connection without answering is the target's fault") {
  ClosingListener listener;
  publish::WebhookClient client(endpoint_for(listener.url()), kSecret);
  const auto outcome = client.deliver(sample_delivery());
  CHECK(outcome.verdict == DeliveryVerdict::retry_target);
  CHECK(outcome.http_status == 0);
  CHECK(!outcome.error.empty());
  CHECK(listener.accepted() >= 1);
}

TEST_CASE("a refused connection is the target's fault") {
  publish::WebhookClient client(endpoint_for("http://127.0.0.1:" + std::to_string(unused_port()) + "/hook"), kSecret);
  const auto outcome = client.deliver(sample_delivery());
  CHECK(outcome.verdict == DeliveryVerdict::retry_target);
  CHECK(outcome.http_status == 0);
  CHECK(outcome.error.starts_with("could not connect"));
}

TEST_CASE("a 2xx with a 10 MB body is delivered without reading the body to its end") {
  constexpr std::size_t kBodySize = 10 * 1024 * 1024;
  constexpr std::size_t kSentBeforeStall = 256 * 1024;
  std::atomic<std::size_t> sent{0};
  Receiver receiver([&](Receiver& self, const httplib::Request&, httplib::Response& response) {
    response.status = 200;
    // 256 KiB at once, then nothing until the test ends: a client that read on would time out.
    response.set_content_provider(kBodySize, "application/octet-stream",
                                  [&, &self = self](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                    if (offset >= kSentBeforeStall) self.wait_for_release(20s);
                                    const std::string chunk(16 * 1024, 'x');
                                    if (!sink.write(chunk.data(), std::min(chunk.size(), kBodySize - offset))) {
                                      return false;
                                    }
                                    sent += chunk.size();
                                    return true;
                                  });
  });
  publish::WebhookClient client(endpoint_for(receiver.url(), 5s), kSecret);
  const auto started = Clock::now();
  const auto outcome = client.deliver(sample_delivery());
  CHECK(outcome.verdict == DeliveryVerdict::delivered);
  CHECK(outcome.http_status == 200);
  CHECK(Clock::now() - started < 2s);
  CHECK(sent.load() < kBodySize);
}

TEST_CASE("a refusal with a huge body gives a bounded one-line error") {
  Receiver receiver(answer_with(500, std::string(10 * 1024 * 1024, 'E')));
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  const auto started = Clock::now();
  const auto outcome = client.deliver(sample_delivery());
  CHECK(outcome.verdict == DeliveryVerdict::retry_target);
  CHECK(outcome.http_status == 500);
  CHECK(outcome.error.starts_with("HTTP 500: EEEE"));
  CHECK(outcome.error.size() <= 220);
  CHECK(outcome.error.find('\n') == std::string::npos);
  CHECK(Clock::now() - started < 3s);
}

TEST_CASE("two deliveries in a row share one kept-alive connection") {
  Receiver receiver(answer_with(200, R"({"ok":true})"));
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  auto second_delivery = sample_delivery();
  second_delivery.id = "dlv-0002";
  second_delivery.event_type = "contact_created";
  CHECK(client.deliver(sample_delivery()).verdict == DeliveryVerdict::delivered);
  CHECK(client.deliver(second_delivery).verdict == DeliveryVerdict::delivered);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].header("X-Prospectd-Delivery") == "dlv-0002");
  CHECK(requests[1].header("X-Prospectd-Event") == "contact_created");
  CHECK(requests[0].remote_port == requests[1].remote_port);
}

TEST_CASE("a delivery id with a line break is refused before anything is sent") {
  Receiver receiver(answer_with(200));
  publish::WebhookClient client(endpoint_for(receiver.url()), kSecret);
  auto delivery = sample_delivery();
  delivery.id = "dlv\r\nX-Injected: 1";
  CHECK(client.deliver(delivery).verdict == DeliveryVerdict::retry_item);
  CHECK(receiver.requests().empty());
}
