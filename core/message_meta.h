// Message metadata as every connector hands it to the store: parsed headers, never bodies.
// Plain values with no behaviour; safe to move between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace prospectd::core {

// One mailbox of an address header. `email` is as written (case and +tag kept);
// rules/ canonicalises it. `name` is the decoded display name in UTF-8 (may be empty).
struct Address {
  std::string name;
  std::string email;
  bool operator==(const Address&) const = default;
};

// The header facts that tell automated mail from human mail (ARCHITECTURE.md "Lifecycle", RFC 3834).
// Empty strings mean "header absent"; values are trimmed and unfolded.
struct AutomationMarkers {
  std::string auto_submitted;    // RFC 3834 Auto-Submitted
  std::string precedence;        // Precedence: bulk | junk | list | auto_reply
  std::string list_id;           // RFC 2919 List-Id
  std::string list_unsubscribe;  // RFC 2369 List-Unsubscribe
  bool x_autoreply = false;      // X-Autoreply or X-Autorespond present
  std::string content_type;      // media type only, lower case ("multipart/report")
  bool operator==(const AutomationMarkers&) const = default;
};

struct MessageMeta {
  // Where the connector found it. For IMAP: folder name and "UIDVALIDITY:UID";
  // for Gmail: "gmail" and the Gmail message id. Unique per account.
  std::string folder;
  std::string source_id;

  std::string message_id;               // without angle brackets; empty if the message has none
  std::string in_reply_to;              // first Message-ID of In-Reply-To, without brackets
  std::vector<std::string> references;  // References, oldest first, without brackets
  std::string provider_thread_id;       // Gmail threadId / X-GM-THRID, else empty

  std::vector<Address> from, sender, reply_to, to, cc, bcc;
  std::optional<std::int64_t> date;         // Date: as Unix seconds UTC, if parseable
  std::optional<std::int64_t> received_at;  // INTERNALDATE / internalDate, if known
  std::string subject;                      // decoded UTF-8, unfolded
  std::string snippet;                      // a short plain-text preview where cheap to get, else empty
  AutomationMarkers markers;
};

}  // namespace prospectd::core
