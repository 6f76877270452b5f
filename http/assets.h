// The status page's files (http/status_page/), compiled into the binary by
// cmake/embed_files.cmake so the page works offline and needs no files at run time.
#pragma once

#include <span>
#include <string_view>

namespace prospectd::http {

struct EmbeddedFile {
  std::string_view name;  // "index.html", "app.css", "app.js"
  std::string_view etag;  // quoted content hash, for If-None-Match
  std::string_view content;
};

// Defined in the generated assets.cpp; immutable, thread-safe.
std::span<const EmbeddedFile> status_page_files();

}  // namespace prospectd::http
