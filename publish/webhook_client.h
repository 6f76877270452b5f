// Delivers one webhook event: a signed POST (ARCHITECTURE.md "Webhooks") with bounded time,
// no redirects followed, a capped response, TLS verified. Owns one libcurl handle (kept-alive
// connection). REQUIRES: one thread per WebhookClient.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace prospectd::publish {

struct WebhookEndpoint {
  std::string url;                                   // https://..., or http:// to a loopback address (config validates)
  std::string ca_file;                               // empty: the system's trust store
  std::chrono::milliseconds timeout{10'000};         // whole request, connect included
  std::chrono::milliseconds connect_timeout{5'000};  //
};

// One delivery attempt's payload. The same id and body on every retry.
struct WebhookDelivery {
  std::string id;          // X-Prospectd-Delivery
  std::string event_type;  // X-Prospectd-Event: stage_changed | contact_created
  std::string body;        // raw JSON; the signature covers exactly these bytes
};

// What one attempt came to, classified once where it arises.
enum class DeliveryVerdict {
  delivered,     // 2xx
  retry_target,  // the receiver is unwell (connection refused/reset/closed, timeout, TLS, 5xx,
                 // 408, 429): back off the whole target, keep the order
  retry_item,    // the receiver refused this item (other 4xx, a redirect): back off this item
};

struct DeliveryOutcome {
  DeliveryVerdict verdict = DeliveryVerdict::retry_target;
  int http_status = 0;                              // 0 without an HTTP answer
  std::string error;                                // one line for status and the log; empty if delivered
  std::optional<std::chrono::seconds> retry_after;  // the receiver's Retry-After, when it sent one
};

// "sha256=" + hex HMAC-SHA256(secret, body): the X-Prospectd-Signature header's value.
std::string webhook_signature(std::string_view secret, std::string_view body);

class WebhookClient {
 public:
  WebhookClient(WebhookEndpoint endpoint, std::string secret);
  ~WebhookClient();
  WebhookClient(const WebhookClient&) = delete;
  WebhookClient& operator=(const WebhookClient&) = delete;

  // One attempt; never throws for network or receiver faults (they are the outcome).
  DeliveryOutcome deliver(const WebhookDelivery& delivery);

 private:
  struct Handle;
  WebhookEndpoint endpoint_;
  std::string secret_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace prospectd::publish
