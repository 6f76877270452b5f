// Decoding of unstructured header text (Subject): RFC 2047 encoded words, RFC 6532 raw UTF-8,
// and the UTF-8 sanitiser every mail parser runs its output through.
#pragma once

#include <string>
#include <string_view>

namespace prospectd::connectors::mail {

// Decodes an unstructured field body (RFC 5322 §3.2.5, e.g. Subject) to UTF-8. Encoded
// words in any charset iconv knows are converted (iso-8859-1 and us-ascii read as their
// superset windows-1252, gb2312 as GB18030, ks_c_5601-1987 as CP949, as browsers do);
// adjacent encoded words are joined without the white space between them (RFC 2047 §6.2)
// and, when their charsets match, before conversion, so a character split across two words
// survives; base64 without padding or with stray characters is read leniently; malformed
// encoded words are kept as written; raw UTF-8 passes through (RFC 6532). The result is
// always valid UTF-8 (see sanitize_utf8); white space is kept as given.
std::string decode_unstructured(std::string_view value);

// For structured fields (address lists) parsed by GMime: rewrites every run of adjacent
// encoded words as one equivalent UTF-8 "Q" encoded word, decoded by the rules above.
// GMime 3.2.13 drops text when it joins two adjacent padded "B" words itself
// ("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=" became "Hello"), and reads iso-8859-1 words
// without windows-1252's characters; after this rewrite it has one well-formed word to
// decode. Everything else is copied unchanged, so the field's structure is kept.
std::string normalize_encoded_words(std::string_view value);

// True if `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Returns `bytes` as valid UTF-8. Well-formed sequences are kept; every other byte is read
// as windows-1252 (the usual charset of undeclared 8-bit header text, a superset of the
// printable Latin-1 range); NUL becomes U+FFFD so that the text survives C APIs.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace prospectd::connectors::mail
