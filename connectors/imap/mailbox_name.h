// Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3) to and from UTF-8, and the
// quoting of command arguments as astrings (§9). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace prospectd::connectors::imap {

// UTF-8 -> modified UTF-7: "Entwürfe" -> "Entw&APw-rfe", "R&D" -> "R&-D".
// nullopt if `utf8` is not valid UTF-8 (overlong forms, surrogates, truncated sequences).
std::optional<std::string> encode_mailbox_name(std::string_view utf8);

// Modified UTF-7 -> UTF-8, strictly as §5.1.3 says: nullopt for bytes outside 0x20-0x7e, an
// unterminated shift, a superfluous shift ("&U,BTFw-&ZeVnLIqe-"), base64 used for a printable
// ASCII character, nonzero padding bits, or unpaired UTF-16 surrogates.
std::optional<std::string> decode_modified_utf7(std::string_view wire_name);

// The name to show and to match configured folder names against: decode_modified_utf7(), or
// `wire_name` unchanged if it is not valid modified UTF-7 (servers do send raw UTF-8 names,
// e.g. after ENABLE UTF8=ACCEPT, and broken ones). Commands must use the wire name as listed.
std::string decode_mailbox_name(std::string_view wire_name);

// Formats one command argument as an astring (§9 astring = 1*ASTRING-CHAR / string):
//  - as is, if every byte is an ASTRING-CHAR ("INBOX", "Sent", "[Gmail]/Drafts");
//  - as a quoted string with \" and \\ escaped, if every byte is a TEXT-CHAR ("Sent Items",
//    "*", ""), i.e. 7-bit without NUL, CR or LF;
//  - otherwise (CR, LF, NUL or 8-bit bytes) as the atom or quoted form of
//    encode_mailbox_name(arg). Those bytes could only be sent in a literal, and a synchronising
//    literal "{n}" needs a "+" round trip that our pipelined engine does not wait for. This
//    fallback is right for mailbox names only, so pass mailbox names already encoded (then
//    every name takes one of the first two forms) and never pass 8-bit search text here.
// Throws std::invalid_argument if the fallback is needed and `arg` is not valid UTF-8.
std::string format_astring(std::string_view arg);

}  // namespace prospectd::connectors::imap
