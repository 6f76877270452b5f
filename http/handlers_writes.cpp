// POST /api/contacts/{email}/stage (a manual move, actor "user") and POST /api/sync. Access
// (token or session, CSRF) was checked before routing. A move writes through a short-lived
// Store of its own on this worker thread: moves are rare, and the sync's connection stays the sync's.
#include <spdlog/spdlog.h>

#include <ctime>

#include "http/handlers.h"
#include "http/worker_pool.h"
#include "rules/canonical_address.h"
#include "rules/stage.h"
#include "store/store.h"
#include "views/crm_json.h"

namespace prospectd::http {
namespace {

constexpr std::size_t kMaxNote = 2000;

void move_stage(HttpContext& context, const httplib::Request& req, httplib::Response& res) {
  const std::string email = rules::canonical_address(req.matches[1].str());
  if (email.empty()) {
    reply_error(res, 400, "\"" + req.matches[1].str() + "\" is not an e-mail address");
    return;
  }
  const auto body = json_body(req, res);
  if (!body) return;
  const auto stage_field = body->find("stage");
  if (stage_field == body->end() || !stage_field->is_string()) {
    reply_error(res, 400, "the body needs \"stage\": lead, prospect, opportunity, customer or disqualified");
    return;
  }
  const auto stage = core::stage_from_string(stage_field->get<std::string>());
  if (!stage) {
    reply_error(res, 400,
                "unknown stage \"" + stage_field->get<std::string>() +
                    "\" (one of lead, prospect, opportunity, customer, disqualified)");
    return;
  }
  std::string note;
  if (const auto note_field = body->find("note"); note_field != body->end() && !note_field->is_null()) {
    if (!note_field->is_string() || note_field->get<std::string>().size() > kMaxNote) {
      reply_error(res, 400, "\"note\" must be a string of at most 2000 bytes");
      return;
    }
    note = note_field->get<std::string>();
  }
  store::ManualMoveResult moved;
  {
    store::Store store(context.options.store_file);
    moved = store.move_stage(email, *stage, note, std::time(nullptr));
  }
  if (!moved.found) {
    reply_error(res, 404, "no contact " + email);
    return;
  }
  context.invalidate_caches();
  spdlog::info("stage of {} moved by hand through the API: {} -> {}", email, moved.from, moved.to);
  const auto detail = worker_reader().contact(email);
  if (!detail) {
    reply_error(res, 404, "no contact " + email);
    return;
  }
  reply_json(res, 200, views::contact_detail_json(*detail));
}

void request_sync(HttpContext& context, const httplib::Request& req, httplib::Response& res) {
  const auto body = json_body(req, res);
  if (!body) return;
  std::optional<std::string> account;
  if (const auto field = body->find("account"); field != body->end() && !field->is_null()) {
    if (!field->is_string()) {
      reply_error(res, 400, "\"account\" must be an account name");
      return;
    }
    account = field->get<std::string>();
  }
  if (!context.request_sync(account)) {
    reply_error(res, 404, account ? "no account named \"" + *account + "\"" : std::string("no accounts configured"));
    return;
  }
  context.invalidate_caches();
  reply_json(res, 202, {{"requested", account ? nlohmann::json(*account) : nlohmann::json("all")}});
}

}  // namespace

void add_write_routes(httplib::Server& server, HttpContext& context) {
  server.Post(R"(/api/contacts/([^/]+)/stage)",
              [&context](const httplib::Request& req, httplib::Response& res) { move_stage(context, req, res); });
  server.Post("/api/sync",
              [&context](const httplib::Request& req, httplib::Response& res) { request_sync(context, req, res); });
}

}  // namespace prospectd::http
