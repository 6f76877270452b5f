// GMime's one-time process initialisation and the parser options every mail parser shares.
// Internal to connectors/mail.
#include "connectors/mail/gmime_runtime.h"

#include <mutex>

namespace prospectd::connectors::mail::detail {

GMimeParserOptions* parser_options() {
  static std::once_flag once;
  static GMimeParserOptions* options = nullptr;
  std::call_once(once, [] {
    g_mime_init();
    options = g_mime_parser_options_new();
    // Real mail breaks the RFCs constantly (encoded words glued to text or inside quoted
    // strings, unquoted specials in names): recover what the sender meant.
    g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    // Undeclared 8-bit text: UTF-8 (RFC 6532) first, else the most common legacy charset.
    // GMime copies the array.
    const char* charsets[] = {"UTF-8", "windows-1252", nullptr};
    g_mime_parser_options_set_fallback_charsets(options, charsets);
  });
  return options;
}

}  // namespace prospectd::connectors::mail::detail
