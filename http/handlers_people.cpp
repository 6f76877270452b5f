// Deciding who is a contact, from the page and the API (ARCHITECTURE.md "Contacts"):
// GET /api/why/{email}; GET, POST /api/blocks and DELETE /api/blocks/{entry} (not a contact);
// POST /api/contacts/{email}/forget. Writes go through a short-lived Store on this worker.
#include <spdlog/spdlog.h>

#include <ctime>

#include "http/handlers.h"
#include "http/worker_pool.h"
#include "rules/blocklist.h"
#include "rules/canonical_address.h"
#include "store/store.h"
#include "views/why_json.h"

namespace prospectd::http {
namespace {

std::optional<std::string> address_or_400(const std::string& text, httplib::Response& res) {
  const std::string email = rules::canonical_address(text);
  if (email.empty() || email.find('@') == std::string::npos) {
    reply_error(res, 400, "\"" + text + "\" is not an e-mail address");
    return std::nullopt;
  }
  return email;
}

std::optional<rules::BlockEntry> entry_or_400(const std::string& text, httplib::Response& res) {
  auto entry = rules::parse_block_entry(text);
  if (!entry) reply_error(res, 400, "\"" + text + "\" is neither an e-mail address nor a domain");
  return entry;
}

void why(HttpContext& context, const httplib::Request& req, httplib::Response& res) {
  const auto email = address_or_400(req.matches[1].str(), res);
  if (!email) return;
  const views::WhyResult result =
      views::explain(&worker_reader(), *email, context.options.identity, context.options.config_blocklist);
  reply_json(res, 200, views::why_json(*email, result));
}

void add_block(HttpContext& context, const httplib::Request& req, httplib::Response& res) {
  const auto body = json_body(req, res);
  if (!body) return;
  const auto field = body->find("entry");
  if (field == body->end() || !field->is_string()) {
    reply_error(res, 400, "the body needs \"entry\": an address or a domain");
    return;
  }
  const auto entry = entry_or_400(field->get<std::string>(), res);
  if (!entry) return;
  std::size_t hidden = 0;
  {
    store::Store store(context.options.store_file);
    hidden = store.block(*entry, std::time(nullptr));
  }
  context.invalidate_caches();
  spdlog::info("blocked through the API: {} ({} contacts hidden)", entry->value, hidden);
  reply_json(res, 201, {{"entry", entry->value}, {"hidden", hidden}});
}

void remove_block(HttpContext& context, const httplib::Request& req, httplib::Response& res) {
  const auto entry = entry_or_400(req.matches[1].str(), res);
  if (!entry) return;
  std::optional<std::size_t> shown;
  {
    store::Store store(context.options.store_file);
    shown = store.unblock(*entry);
  }
  if (!shown) {
    reply_error(res, 404, entry->value + " is not on the blocklist");
    return;
  }
  context.invalidate_caches();
  reply_json(res, 200, {{"entry", entry->value}, {"shown", *shown}});
}

void forget(HttpContext& context, const httplib::Request& req, httplib::Response& res) {
  const auto email = address_or_400(req.matches[1].str(), res);
  if (!email) return;
  bool forgotten = false;
  {
    store::Store store(context.options.store_file);
    forgotten = store.forget(*email);
  }
  if (!forgotten) {
    reply_error(res, 404, *email + " is not in the store: nothing to forget");
    return;
  }
  context.invalidate_caches();
  spdlog::info("a person was forgotten through the API");  // the address itself is not logged
  reply_json(res, 200, {{"forgotten", *email}});
}

}  // namespace

void add_people_routes(httplib::Server& server, HttpContext& context) {
  server.Get(R"(/api/why/([^/]+))",
             [&context](const httplib::Request& req, httplib::Response& res) { why(context, req, res); });
  server.Get("/api/blocks",
             [](const httplib::Request&, httplib::Response& res) { reply_json(res, 200, worker_reader().blocks()); });
  server.Post("/api/blocks",
              [&context](const httplib::Request& req, httplib::Response& res) { add_block(context, req, res); });
  server.Delete(R"(/api/blocks/([^/]+))",
                [&context](const httplib::Request& req, httplib::Response& res) { remove_block(context, req, res); });
  server.Post(R"(/api/contacts/([^/]+)/forget)",
              [&context](const httplib::Request& req, httplib::Response& res) { forget(context, req, res); });
}

}  // namespace prospectd::http
