// Parses CAPABILITY and LIST responses and picks the folders a rep's conversations live in.
// Gmail (X-GM-EXT-1) keeps every message once in "[Gmail]/All Mail" (\All), so that is used alone.
#include "connectors/imap/folder_discovery.h"

#include <algorithm>
#include <array>

#include "connectors/imap/mailbox_name.h"

namespace prospectd::connectors::imap {
namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool is_inbox(const Mailbox& mailbox) { return upper(mailbox.name) == "INBOX"; }

const Mailbox* find_with_attribute(const std::vector<Mailbox>& mailboxes, const std::string& attribute) {
  for (const auto& mailbox : mailboxes) {
    if (mailbox.attributes.contains(attribute) && !mailbox.attributes.contains("\\NOSELECT")) return &mailbox;
  }
  return nullptr;
}

// Servers without SPECIAL-USE: the names clients commonly create.
const Mailbox* find_sent_by_name(const std::vector<Mailbox>& mailboxes) {
  static constexpr std::array kNames = {"SENT",       "SENT ITEMS", "SENT MESSAGES",    "SENT MAIL",
                                        "INBOX.SENT", "INBOX/SENT", "[GMAIL]/SENT MAIL"};
  for (const char* name : kNames) {
    for (const auto& mailbox : mailboxes) {
      if (upper(mailbox.name) == name) return &mailbox;
    }
  }
  return nullptr;
}

}  // namespace

void Capabilities::add_from(const Response& response) {
  if (response.name != "CAPABILITY") return;
  for (const auto& value : response.data) {
    if (value.is_atom()) names.insert(upper(value.text));
  }
}

std::expected<Discovery, core::SourceError> discover(Session& session) {
  Discovery discovery;
  const std::string capability_tag = session.queue("CAPABILITY");
  const std::string list_tag = session.queue("LIST \"\" \"*\"");
  const UntaggedHandler collect = [&](Response& response) {
    if (response.name == "CAPABILITY") {
      discovery.capabilities.add_from(response);
    } else if (response.name == "LIST" && response.data.size() >= 3 && response.data[0].is_list()) {
      // RFC 3501 §7.2.2: LIST (attributes) delimiter mailbox-name
      Mailbox mailbox;
      for (const auto& attribute : response.data[0].items) {
        if (attribute.is_atom()) mailbox.attributes.insert(upper(attribute.text));
      }
      const auto name = response.data[2].astring();  // a bare "007" keeps its spelling
      if (!name) return;
      mailbox.wire_name = std::string(*name);
      mailbox.name = decode_mailbox_name(mailbox.wire_name);
      discovery.mailboxes.push_back(std::move(mailbox));
    }
  };
  for (const std::string* tag : {&capability_tag, &list_tag}) {
    auto done = session.wait_for(*tag, collect);
    if (!done) return std::unexpected(done.error());
    if (done->status != "OK") {
      return std::unexpected(
          core::SourceError{core::ErrorKind::fatal, "the server refused to list its folders: " + done->text});
    }
  }
  return discovery;
}

std::expected<std::vector<Mailbox>, core::SourceError> choose_folders(const Discovery& discovery,
                                                                      const std::vector<std::string>& configured) {
  const auto& mailboxes = discovery.mailboxes;
  std::vector<Mailbox> chosen;
  if (!configured.empty()) {
    for (const auto& wanted : configured) {
      const auto found = std::find_if(mailboxes.begin(), mailboxes.end(), [&](const Mailbox& mailbox) {
        return mailbox.name == wanted || (upper(wanted) == "INBOX" && is_inbox(mailbox));
      });
      if (found == mailboxes.end()) {
        std::string names;
        for (const auto& mailbox : mailboxes) names += (names.empty() ? "" : ", ") + mailbox.name;
        return std::unexpected(core::SourceError{
            core::ErrorKind::fatal, "the server has no folder \"" + wanted + "\" (it has: " + names + ")"});
      }
      chosen.push_back(*found);
    }
    return chosen;
  }
  if (discovery.capabilities.gmail()) {
    if (const Mailbox* all = find_with_attribute(mailboxes, "\\ALL")) return std::vector<Mailbox>{*all};
  }
  const auto inbox = std::find_if(mailboxes.begin(), mailboxes.end(), is_inbox);
  chosen.push_back(inbox != mailboxes.end() ? *inbox : Mailbox{"INBOX", "INBOX", {}});
  const Mailbox* sent = find_with_attribute(mailboxes, "\\SENT");
  if (!sent) sent = find_sent_by_name(mailboxes);
  if (sent) chosen.push_back(*sent);
  return chosen;
}

}  // namespace prospectd::connectors::imap
