// Column widths from glibc's wcwidth under a C.UTF-8 locale set for the calling thread only
// (uselocale), so the process locale is never changed.
#include "util/display_width.h"

#include <locale.h>
#include <wchar.h>

namespace prospectd::util {
namespace {

// One UTF-8 sequence at `text[at]`: its code point and length; an invalid byte is U+FFFD, 1.
std::pair<char32_t, std::size_t> decode(std::string_view text, std::size_t at) {
  const auto byte = static_cast<unsigned char>(text[at]);
  std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || at + length > text.size()) return {U'\uFFFD', 1};
  char32_t point = length == 1 ? byte : byte & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[at + i]);
    if ((next & 0xC0) != 0x80) return {U'\uFFFD', 1};
    point = (point << 6) | (next & 0x3F);
  }
  return {point, length};
}

// Runs `body` with LC_CTYPE = C.UTF-8 for this thread (wcwidth knows no widths in "C").
template <typename Body>
auto with_utf8_ctype(Body&& body) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  const locale_t previous = utf8 ? uselocale(utf8) : static_cast<locale_t>(nullptr);
  auto result = body();
  if (utf8) uselocale(previous);
  return result;
}

std::size_t columns(char32_t point) {
  const int width = ::wcwidth(static_cast<wchar_t>(point));
  return width < 0 ? 1 : static_cast<std::size_t>(width);
}

}  // namespace

std::size_t display_width(std::string_view text) {
  return with_utf8_ctype([&] {
    std::size_t width = 0;
    for (std::size_t at = 0; at < text.size();) {
      const auto [point, length] = decode(text, at);
      width += columns(point);
      at += length;
    }
    return width;
  });
}

std::string fit_to_width(std::string_view text, std::size_t width) {
  return with_utf8_ctype([&] {
    std::string fitted;
    std::size_t used = 0;
    const bool fits = display_width(text) <= width;
    const std::size_t room = fits ? width : (width == 0 ? 0 : width - 1);  // one column for "…"
    for (std::size_t at = 0; at < text.size();) {
      const auto [point, length] = decode(text, at);
      const std::size_t wide = columns(point);
      if (used + wide > room) break;
      fitted.append(text.substr(at, length));
      used += wide;
      at += length;
    }
    if (!fits && width > 0) {
      fitted += "\u2026";
      ++used;
    }
    fitted.append(width - used, ' ');
    return fitted;
  });
}

}  // namespace prospectd::util
