// The automated-mail markers of ARCHITECTURE.md "Automated mail": RFC 3834 Auto-Submitted, vendor auto-reply headers,
// Precedence, list headers (RFC 2369/2919), DSN reports (RFC 3462), robot senders, OOO subjects.
#include "rules/automation.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "rules/canonical_address.h"
#include "util/text.h"

namespace prospectd::rules {
namespace {

// Robot local parts, compared after removing '-', '_' and '.' ("no_reply", "do.not.reply").
constexpr std::array kRobotLocalParts = {
    "mailerdaemon", "postmaster", "noreply", "donotreply", "dontreply", "bounce", "bounces",
};

// Subject prefixes of auto-replies (lower-cased; UTF-8). Outlook, Exchange, Gmail, Apple Mail,
// Thunderbird and common vacation responders, in English, German, French, Spanish, Italian,
// Dutch, Portuguese, Swedish, Danish, Norwegian, Finnish and Polish.
constexpr std::array kAutoReplySubjectPrefixes = {
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "auto:",
    "auto response",
    "autoresponse",
    "out of office",
    "out of the office",
    "ooo:",
    "vacation reply",
    "away from office",
    "abwesenheitsnotiz",
    "automatische antwort",
    "abwesend",
    "réponse automatique",
    "reponse automatique",
    "absence du bureau",
    "respuesta automática",
    "respuesta automatica",
    "fuera de la oficina",
    "risposta automatica",
    "fuori sede",
    "automatisch antwoord",
    "afwezig",
    "resposta automática",
    "resposta automatica",
    "automatiskt svar",
    "frånvaro",
    "automatisk svar",
    "automaattinen vastaus",
    "odpowiedź automatyczna",
    "autosvar",
};

bool starts_with_any(std::string_view text, const auto& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view prefix) { return text.starts_with(prefix); });
}

}  // namespace

bool is_automated_local_part(std::string_view canonical_address) {
  std::string squeezed;
  for (char c : local_part_of(canonical_address)) {
    if (c != '-' && c != '_' && c != '.') squeezed.push_back(c);
  }
  return std::any_of(kRobotLocalParts.begin(), kRobotLocalParts.end(),
                     [&](std::string_view robot) { return squeezed == robot; });
}

bool has_auto_reply_subject(std::string_view subject) {
  const std::string text = util::ascii_lowercase(util::trim(subject, " \t"));
  if (starts_with_any(text, kAutoReplySubjectPrefixes)) return true;
  // "Re: Out of Office: ..." — a reply prefix in front of the marker.
  for (std::string_view reply : {"re: ", "aw: ", "sv: ", "antw: "}) {
    if (text.starts_with(reply))
      return starts_with_any(util::trim(std::string_view(text).substr(reply.size()), " \t"), kAutoReplySubjectPrefixes);
  }
  return false;
}

std::optional<std::string> automation_reason(const core::MessageMeta& message) {
  const auto& markers = message.markers;
  // RFC 3834 §5: any value other than "no" means automatic (parameters after ';' ignored).
  if (!markers.auto_submitted.empty()) {
    const std::string value =
        util::ascii_lowercase(util::trim(markers.auto_submitted.substr(0, markers.auto_submitted.find(';')), " \t"));
    if (value != "no") return "auto-submitted: " + value;
  }
  if (markers.x_autoreply) return std::string("x-autoreply");
  if (!markers.precedence.empty()) {
    const std::string value = util::ascii_lowercase(util::trim(markers.precedence, " \t"));
    if (value == "bulk" || value == "junk" || value == "list" || value == "auto_reply") {
      return "precedence: " + value;
    }
  }
  if (!markers.list_id.empty()) return std::string("list-id");
  if (!markers.list_unsubscribe.empty()) return std::string("list-unsubscribe");
  if (markers.content_type == "multipart/report") return std::string("content-type: multipart/report");
  for (const auto* field : {&message.from, &message.sender}) {
    for (const auto& address : *field) {
      const std::string canonical = canonical_address(address.email);
      if (is_automated_local_part(canonical)) return "sender: " + std::string(local_part_of(canonical));
    }
  }
  if (has_auto_reply_subject(message.subject)) return std::string("subject: auto-reply");
  return std::nullopt;
}

}  // namespace prospectd::rules
