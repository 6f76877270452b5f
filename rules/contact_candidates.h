// Who becomes a contact because of one message (ARCHITECTURE.md "Contacts").
// Pure; thread-safe. The store upserts the candidates in the batch's transaction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/message_meta.h"
#include "rules/blocklist.h"
#include "rules/identity.h"

namespace prospectd::rules {

struct Candidate {
  std::string email;      // canonical: the contact's key
  std::string raw_email;  // as written in this message: a spelling to keep as a variant
  std::string name;       // display name this message gives the address ("" if none)
  bool operator==(const Candidate&) const = default;
};

// Every external, non-automated address that is the author (From) of a human inbound
// message, a To/Cc/Bcc recipient of an outbound message, or a To/Cc co-recipient of a human
// inbound message. Never the rep's own addresses or colleagues (`identity`), robot local
// parts (noreply, mailer-daemon, ...), blocklisted addresses, or addresses that are not
// plausible (empty, blanks inside, a domain without a dot). Internal and automated messages
// yield none. Sender and Reply-To are not considered: they name who sent or who should get
// the answer, not who the conversation is with.
// One candidate per canonical address, in header order (From, To, Cc, Bcc); the name is the
// first non-empty one the message gives that address.
std::vector<Candidate> contact_candidates(const core::MessageMeta& message, core::Direction direction, bool automated,
                                          const Identity& identity, const Blocklist& blocklist);

// The display name worth keeping for `canonical`: blanks and the quotes some clients add
// ("'Jane Doe'", "\"Jane Doe\"") removed; "" when only the address itself is repeated
// ("jane@example.com" <jane@example.com>).
std::string clean_display_name(std::string_view name, std::string_view canonical);

}  // namespace prospectd::rules
