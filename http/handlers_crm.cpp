// GET /api/contacts[?stage=&q=&limit=&after=], /api/contacts/{email} and
// /api/threads[?contact=&limit=&after=]: the ARCHITECTURE.md "Interfaces" documents, built by crm_json like the
// CLI's; lists page explicitly (X-Total-Count, Link rel="next").
#include <algorithm>
#include <charconv>

#include "http/handlers.h"
#include "http/paging.h"
#include "http/worker_pool.h"
#include "rules/canonical_address.h"
#include "rules/stage.h"
#include "util/text.h"
#include "views/crm_json.h"

namespace prospectd::http {
namespace {

constexpr std::int64_t kDefaultPage = 100;
constexpr std::int64_t kMaxPage = 1000;
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
  const auto limit = int_param(req, res, "limit", kDefaultPage, 1, kMaxPage);
  if (!limit) return;
  const auto offset = int_param(req, res, "offset", 0, 0, INT64_MAX);
  if (!offset) return;
  if (req.has_param("after")) {
    const auto cursor = parse_cursor(req.get_param_value("after"));
    if (!cursor) {
      reply_error(res, 400, "parameter after is not a cursor from a Link header");
      return;
    }
    query.after = store::ContactCursor{cursor->first, cursor->second};
  }
  query.limit = *limit + 1;  // one more tells whether a next page exists
  query.offset = *offset;
  store::StoreReader& reader = worker_reader();
  auto rows = reader.contacts(query);
  std::optional<std::string> next;
  if (static_cast<std::int64_t>(rows.size()) > *limit) {
    rows.resize(static_cast<std::size_t>(*limit));
    next = format_cursor(rows.back().last_message_at.value_or(0), rows.back().email);
  }
  nlohmann::json contacts = nlohmann::json::array();
  for (const auto& contact : rows) contacts.push_back(views::contact_json(contact));
  set_page_headers(req, res, reader.count_contacts(query), next);
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
  const auto limit = int_param(req, res, "limit", kDefaultPage, 1, kMaxPage);
  if (!limit) return;
  store::ThreadQuery query{contact, *limit + 1, std::nullopt};
  if (req.has_param("after")) {
    const auto cursor = parse_cursor(req.get_param_value("after"));
    std::int64_t id = 0;
    const std::string& tail = cursor ? cursor->second : std::string();
    const auto [end, error] = std::from_chars(tail.data(), tail.data() + tail.size(), id);
    if (!cursor || tail.empty() || error != std::errc() || end != tail.data() + tail.size()) {
      reply_error(res, 400, "parameter after is not a cursor from a Link header");
      return;
    }
    query.after = store::ThreadCursor{cursor->first, id};
  }
  store::StoreReader& reader = worker_reader();
  auto threads = reader.threads(query);
  std::optional<std::string> next;
  if (static_cast<std::int64_t>(threads.size()) > *limit) {
    threads.resize(static_cast<std::size_t>(*limit));
    next = format_cursor(threads.back().last_message_at.value_or(0), std::to_string(threads.back().id));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& thread : threads) list.push_back(views::thread_json(thread));
  set_page_headers(req, res, reader.count_threads(contact), next);
  reply_json(res, 200, list);
}

}  // namespace

void add_crm_routes(httplib::Server& server, HttpContext&) {
  server.Get("/api/contacts", list_contacts);
  server.Get(R"(/api/contacts/([^/]+))", show_contact);
  server.Get("/api/threads", list_threads);
}

}  // namespace prospectd::http
