// GET / and the status page's assets, served from the copies compiled into the binary, with
// ETags so a polling page does not download them again. Open to all (AccessGuard); no file system access.
#include "http/assets.h"
#include "http/handlers.h"
#include "http/page_paths.h"

namespace prospectd::http {
namespace {

std::string_view content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

void serve(const EmbeddedFile& file, const httplib::Request& req, httplib::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", std::string(file.etag));
  if (req.get_header_value("If-None-Match") == file.etag) {
    res.status = 304;
    return;
  }
  res.set_content(file.content.data(), file.content.size(), std::string(content_type(file.name)).c_str());
}

}  // namespace

std::string page_path(const EmbeddedFile& file) {
  return file.name == "index.html" ? "/" : "/" + std::string(file.name);
}

void add_page_routes(httplib::Server& server) {
  for (const EmbeddedFile& file : status_page_files()) {
    server.Get(page_path(file),
               [&file](const httplib::Request& req, httplib::Response& res) { serve(file, req, res); });
  }
}

}  // namespace prospectd::http
