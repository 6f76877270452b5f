// The JSON body of one webhook delivery (ARCHITECTURE.md "Team and webhooks"): the event, with
// the contact as the API shows it. Pure; any thread.
#pragma once

#include <string>

#include "store/outbox.h"
#include "store/reader.h"

namespace prospectd::publish {

// The delivery id: the event's content key (the same for the same event, on every retry).
std::string delivery_id(const store::WebhookItem& item);
std::string webhook_event_body(const store::WebhookItem& item, const store::ContactRow& contact);

}  // namespace prospectd::publish
