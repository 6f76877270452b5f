// Webhook event bodies (publish/webhook_event.h).
#include "publish/webhook_event.h"

#include <nlohmann/json.hpp>

#include "util/time_format.h"
#include "views/crm_json.h"

namespace prospectd::publish {

std::string delivery_id(const store::WebhookItem& item) {
  return store::publish_event_key(item.contact_email, item.from, item.to, item.at, item.actor, item.rule,
                                  item.message_id);
}

std::string webhook_event_body(const store::WebhookItem& item, const store::ContactRow& contact) {
  nlohmann::json body = {
      {"id", delivery_id(item)},
      {"type", item.type},
      {"at", util::iso8601_utc(item.at)},
      {"contact", views::contact_json(contact)},
      {"from", item.from ? nlohmann::json(*item.from) : nlohmann::json(nullptr)},
      {"to", item.to},
      {"actor", item.actor},
      {"rule", item.rule},
      {"thread", item.thread ? nlohmann::json(*item.thread) : nlohmann::json(nullptr)},
      {"message_id", item.message_id},
      {"note", item.note},
  };
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace prospectd::publish
