// GMime's one-time process initialisation and the parser options every mail parser shares.
// Internal to connectors/mail: callers use the parsing functions, never GMime directly.
#pragma once

#include <memory>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <gmime/gmime.h>
#pragma GCC diagnostic pop

namespace prospectd::connectors::mail::detail {

// Initialises GMime on first use (std::call_once, safe from any thread) and returns the
// shared, read-only parser options: loose RFC 2047 and address compliance, fallback
// charsets UTF-8 then windows-1252. The options live for the rest of the process;
// nothing may modify them after initialisation.
GMimeParserOptions* parser_options();

// Owners for the memory GMime hands back.
struct GFreeDeleter {
  void operator()(void* p) const noexcept { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFreeDeleter>;

struct GObjectDeleter {
  void operator()(void* p) const noexcept { g_object_unref(p); }
};
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectDeleter>;

}  // namespace prospectd::connectors::mail::detail
