// The reasons, in the order the rules apply them: who the rep is, the blocklist, automated
// senders, then what the messages show.
#include "rules/why.h"

#include "rules/automation.h"

namespace prospectd::rules {
namespace {

bool is_recipient(const Appearance& seen) { return seen.role == "to" || seen.role == "cc" || seen.role == "bcc"; }

// The message that makes the address a contact (rules/contact_candidates.h): the author of a
// human inbound message, or a recipient of human mail.
const Appearance* making_contact(const std::vector<Appearance>& appearances) {
  for (const auto& seen : appearances) {
    if (!seen.automation.empty() || seen.direction == core::Direction::internal) continue;
    if ((seen.role == "from" && seen.direction == core::Direction::inbound) || is_recipient(seen)) return &seen;
  }
  return nullptr;
}

std::string domain_of(const std::string& canonical) { return canonical.substr(canonical.find('@') + 1); }

}  // namespace

WhyAnswer explain_address(const std::string& canonical, bool is_contact, const std::vector<Appearance>& appearances,
                          const Identity& identity, const Blocklist& blocklist, bool forgotten) {
  WhyAnswer answer;
  answer.contact = is_contact && !forgotten;
  if (forgotten) {
    answer.reasons.push_back({"forgotten", "",
                              "you asked prospectd to forget this person; mail from or to them is "
                              "stored without their address"});
    return answer;
  }
  const std::string first = appearances.empty() ? "" : appearances.front().message_id;
  if (identity.is_own(canonical)) {
    answer.reasons.push_back({"own_address", first, "one of your own addresses (identity.addresses or an account)"});
  } else if (identity.is_internal(canonical)) {
    answer.reasons.push_back({"internal_domain", first, "a colleague: " + domain_of(canonical) + " is internal"});
  }
  if (blocklist.blocks(canonical)) {
    answer.reasons.push_back({"blocked", first, "on the blocklist (the address or its domain)"});
  }
  if (is_contact) {
    const Appearance* made = making_contact(appearances);
    answer.reasons.insert(
        answer.reasons.begin(),
        {"contact", made ? made->message_id : first,
         made ? (made->role == "from" ? "wrote to you" : "you or a contact wrote to them (" + made->role + ")")
              : "a contact"});
    return answer;
  }
  if (!answer.reasons.empty()) return answer;
  if (appearances.empty()) {
    answer.reasons.push_back({"never_seen", "", "no stored message is from or to this address"});
    return answer;
  }
  if (is_automated_local_part(canonical)) {
    answer.reasons.push_back({"automated_sender", first, "an automated mailbox name (noreply, mailer-daemon, ...)"});
    return answer;
  }
  for (const auto& seen : appearances) {
    if (seen.role == "from" && !seen.automation.empty()) {
      answer.reasons.push_back({"automated_sender", seen.message_id, "sends automated mail: " + seen.automation});
      return answer;
    }
  }
  bool only_automated = true;
  for (const auto& seen : appearances) only_automated &= !seen.automation.empty();
  if (only_automated) {
    answer.reasons.push_back(
        {"only_cc_on_automated", first, "appears only on automated mail (" + appearances.front().automation + ")"});
    return answer;
  }
  // Seen on human mail but in no role that makes a contact (internal mail, Sender or Reply-To).
  answer.reasons.push_back({"never_seen", first, "never the author or a recipient of a conversation with you"});
  return answer;
}

}  // namespace prospectd::rules
