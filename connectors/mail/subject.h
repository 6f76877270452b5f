// Subject normalisation for threading by subject (ARCHITECTURE.md "Threads"): the base subject without
// reply/forward prefixes and list tags, in the spirit of RFC 5256 §2.1.
#pragma once

#include <string>
#include <string_view>

namespace prospectd::connectors::mail {

// The base subject of a decoded (UTF-8) Subject: whitespace runs collapsed to one space and
// trimmed; then, repeatedly, trailing "(fwd)"-like markers, leading reply/forward prefixes
// (Re, Fwd, AW, WG, SV, VS, Antw, RES, RV, ENC, TR, Odp, 回复, 转发, ... in any case, with an
// optional "[n]" counter and an optional space before ':' or '：') and leading "[list-tag]"s
// removed, and a "[Fwd: ...]" wrapper opened. Case is kept: compare base subjects
// case-insensitively. A subject made only of "[tags]" is kept as it is.
std::string base_subject(std::string_view decoded);

// True if the decoded Subject starts, after any "[list-tag]"s, with a reply prefix (Re, AW,
// SV, Antw, RES, Odp, 回复, ...). A forward prefix (Fwd, WG, TR, ...) first is no reply.
bool has_reply_prefix(std::string_view decoded);

}  // namespace prospectd::connectors::mail
