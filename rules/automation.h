// Decides whether a message was sent by a machine (ARCHITECTURE.md "Automated mail", RFC 3834): automated mail never
// counts as a reply and its sender never becomes a contact. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/message_meta.h"

namespace prospectd::rules {

// The first marker that makes the message automated ("auto-submitted: auto-replied",
// "list-id", "sender: mailer-daemon", "subject: out of office", ...), or nullopt for human mail.
std::optional<std::string> automation_reason(const core::MessageMeta& message);

// True for local parts such as mailer-daemon, postmaster, noreply, no-reply, do_not_reply.
bool is_automated_local_part(std::string_view canonical_address);

// True if the subject starts with a common auto-reply marker in one of several languages.
bool has_auto_reply_subject(std::string_view subject);

}  // namespace prospectd::rules
