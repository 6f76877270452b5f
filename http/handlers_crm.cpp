// GET /api/contacts[?stage=&q=&limit=&offset=], /api/contacts/{email} and
// /api/threads[?contact=&limit=&offset=]: the ARCHITECTURE.md "Interfaces" documents, built by crm_json like the
// CLI's.
#include <algorithm>

#include "http/handlers.h"
#include "http/worker_pool.h"
#include "rules/canonical_address.h"
#include "rules/stage.h"
#include "util/text.h"
#include "views/crm_json.h"

namespace prospectd::http {
namespace {

constexpr std::int64_t kDefaultContacts = 100;
constexpr std::int64_t kMaxContacts = 1000;
constexpr std::size_t kMaxSearchText = 200;

void list_contacts(const httplib::Request& req, httplib::Response& res) {
  store::ContactQuery query;
  if (req.has_param("stage") && !req.get_param_value("stage").empty()) {
    const auto stage = core::stage_from_string(req.get_param_value("stage"));
    if (!stage) {
      reply_error(res, 400,
                  "unknown stage \"" + req.get_param_value("stage") +
                      "\" (one of lead, prospect, opportunity, customer, disqualified)");
      return;
    }
    query.stage = core::to_string(*stage);
  }
  if (req.has_param("q")) {
    const std::string text(util::trim(req.get_param_value("q")));
    if (text.size() > kMaxSearchText) {
      reply_error(res, 400, "the search text is longer than 200 bytes");
      return;
    }
    if (!text.empty()) query.text = text;
  }
  const auto limit = int_param(req, res, "limit", kDefaultContacts, 1, kMaxContacts);
  if (!limit) return;
  const auto offset = int_param(req, res, "offset", 0, 0, INT64_MAX);
  if (!offset) return;
  query.limit = *limit;
  query.offset = *offset;
  nlohmann::json contacts = nlohmann::json::array();
  for (const auto& contact : worker_reader().contacts(query)) contacts.push_back(views::contact_json(contact));
  reply_json(res, 200, contacts);
}

void show_contact(const httplib::Request& req, httplib::Response& res) {
  const std::string email = rules::canonical_address(req.matches[1].str());
  if (email.empty()) {
    reply_error(res, 400, "\"" + req.matches[1].str() + "\" is not an e-mail address");
    return;
  }
  const auto detail = worker_reader().contact(email);
  if (!detail) {
    reply_error(res, 404, "no contact " + email);
    return;
  }
  reply_json(res, 200, views::contact_detail_json(*detail));
}

void list_threads(const httplib::Request& req, httplib::Response& res) {
  std::optional<std::string> contact;
  if (req.has_param("contact") && !req.get_param_value("contact").empty()) {
    contact = rules::canonical_address(req.get_param_value("contact"));
    if (contact->empty()) {
      reply_error(res, 400, "\"" + req.get_param_value("contact") + "\" is not an e-mail address");
      return;
    }
  }
  // Without limit the whole list, as `threads --json` prints it (ARCHITECTURE.md "Interfaces").
  const auto limit = int_param(req, res, "limit", INT64_MAX, 1, INT64_MAX);
  if (!limit) return;
  const auto offset = int_param(req, res, "offset", 0, 0, INT64_MAX);
  if (!offset) return;
  const auto threads = worker_reader().threads(contact);
  nlohmann::json list = nlohmann::json::array();
  const auto size = static_cast<std::int64_t>(threads.size());
  const std::int64_t first = std::min(size, *offset);
  const std::int64_t last = first + std::min(size - first, *limit);
  for (std::int64_t i = first; i < last; ++i) list.push_back(views::thread_json(threads[static_cast<std::size_t>(i)]));
  reply_json(res, 200, list);
}

}  // namespace

void add_crm_routes(httplib::Server& server, HttpContext&) {
  server.Get("/api/contacts", list_contacts);
  server.Get(R"(/api/contacts/([^/]+))", show_contact);
  server.Get("/api/threads", list_threads);
}

}  // namespace prospectd::http
