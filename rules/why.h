// Why an address is or is not a contact (ARCHITECTURE.md "Contacts"): the answer to a rep's
// first question of an automatic CRM, decided from the facts the store hands over. Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/direction.h"
#include "rules/blocklist.h"
#include "rules/identity.h"

namespace prospectd::rules {

// One place the address appears: a stored message and its role there.
struct Appearance {
  std::string message_id;  // the Message-ID, or the stable synthetic id where there is none
  std::string role;        // from | to | cc | bcc | sender | reply_to
  core::Direction direction = core::Direction::inbound;
  std::string automation;  // why the message is automated; empty for human mail
};

struct WhyReason {
  std::string code;        // contact | own_address | internal_domain | automated_sender | blocked |
                           // forgotten | only_cc_on_automated | never_seen
  std::string message_id;  // a message that shows it; empty when none does
  std::string detail;
};

struct WhyAnswer {
  bool contact = false;
  std::vector<WhyReason> reasons;  // the deciding reason first
};

// `is_contact`: the store holds a contact for the address. `appearances` in date order.
// `forgotten`: the rep asked to forget the address (no message shows it any more).
WhyAnswer explain_address(const std::string& canonical, bool is_contact, const std::vector<Appearance>& appearances,
                          const Identity& identity, const Blocklist& blocklist, bool forgotten = false);

}  // namespace prospectd::rules
