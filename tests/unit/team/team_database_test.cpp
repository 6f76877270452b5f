// TeamDatabase against a real PostgreSQL: schema and versions, error kinds and messages, publish
// semantics, the combined view, awkward strings, a large publish, concurrent ensure_schema.
// Needs PROSPECTD_TEST_PG_URI (+ PROSPECTD_TEST_PG_PASSWORD): run by test_team_database.py.
#include "store/team/team_database.h"

#include <doctest/doctest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace prospectd::store::team {
namespace {

using Row = std::vector<std::optional<std::string>>;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 24 * 60 * 60;

std::string env_or_fail(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    FAIL(name << " is not set: run these tests via tests/integration/test_team_database.py");
  }
  return value;
}

std::string test_uri() { return env_or_fail("PROSPECTD_TEST_PG_URI"); }
std::optional<std::string> test_password() { return env_or_fail("PROSPECTD_TEST_PG_PASSWORD"); }

// The value of `keyword` in the test URI (host, port, user) for the key=value conninfos below.
std::string uri_field(const char* keyword) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(test_uri().c_str(), &error);
  REQUIRE(options != nullptr);
  std::string value;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == keyword && option->val != nullptr) value = option->val;
  }
  PQconninfoFree(options);
  return value;
}

std::string key_value_conninfo(const std::string& database) {
  return "host=" + uri_field("host") + " port=" + uri_field("port") + " user=" + uri_field("user") +
         " dbname=" + database;
}

// A plain libpq connection of the tests' own (application_name differs from prospectd's).
class RawConnection {
 public:
  RawConnection() {
    const std::string uri = test_uri(), password = *test_password();
    const char* keywords[] = {"dbname", "password", "application_name", nullptr};
    const char* values[] = {uri.c_str(), password.c_str(), "prospectd-test", nullptr};
    connection_.reset(PQconnectdbParams(keywords, values, 1));
    REQUIRE(PQstatus(connection_.get()) == CONNECTION_OK);
    PQsetNoticeProcessor(
        connection_.get(), [](void*, const char*) {}, nullptr);
  }

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& parameters = {}) {
    std::vector<const char*> values;
    for (const auto& parameter : parameters) values.push_back(parameter.c_str());
    std::unique_ptr<PGresult, decltype(&PQclear)> result(
        PQexecParams(connection_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                     nullptr, 0),
        &PQclear);
    const ExecStatusType status = PQresultStatus(result.get());
    INFO(sql << ": " << PQresultErrorMessage(result.get()));
    REQUIRE((status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK));
    std::vector<Row> rows;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      Row cells;
      for (int column = 0; column < PQnfields(result.get()); ++column) {
        cells.push_back(PQgetisnull(result.get(), row, column)
                            ? std::nullopt
                            : std::optional<std::string>(PQgetvalue(result.get(), row, column)));
      }
      rows.push_back(std::move(cells));
    }
    return rows;
  }

  std::string scalar(const std::string& sql, const std::vector<std::string>& parameters = {}) {
    const auto rows = query(sql, parameters);
    REQUIRE(rows.size() == 1);
    return rows[0][0].value_or("NULL");
  }

 private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection_{nullptr, &PQfinish};
};

void drop_team_schema() {
  RawConnection().query("DROP TABLE IF EXISTS team_stage_events, team_contacts, team_reps, prospectd_schema CASCADE");
}

std::unique_ptr<TeamDatabase> open_database() { return std::make_unique<TeamDatabase>(test_uri(), test_password()); }

// A fresh, current schema.
std::unique_ptr<TeamDatabase> fresh_database() {
  drop_team_schema();
  auto database = open_database();
  database->ensure_schema();
  return database;
}

SharedStageEvent event(std::string key, std::optional<std::string> from, std::string to, std::int64_t at) {
  return {std::move(key), std::move(from), std::move(to), at, "rule", "first_reply", "<m@x.example>", ""};
}

SharedContact contact(std::string email, std::string stage, std::optional<std::int64_t> last_outbound = std::nullopt,
                      std::optional<std::string> company = std::nullopt, std::string name = "") {
  SharedContact shared;
  shared.email = email;
  shared.name = std::move(name);
  shared.company = std::move(company);
  shared.stage = stage;
  shared.thread_count = 2;
  shared.inbound_count = 3;
  shared.outbound_count = 4;
  shared.first_seen = kNow - 100 * kDay;
  shared.last_inbound = kNow - 50 * kDay;
  shared.last_outbound = last_outbound;
  shared.history = {event("k-create-" + email, std::nullopt, "lead", kNow - 100 * kDay)};
  if (stage != "lead") shared.history.push_back(event("k-move-" + email, "lead", stage, kNow - 60 * kDay));
  return shared;
}

ContactChange present(SharedContact shared) { return {shared.email, std::move(shared)}; }
ContactChange withdrawn(std::string email) { return {std::move(email), std::nullopt}; }

std::vector<Row> contact_rows(RawConnection& raw, const std::string& rep) {
  return raw.query(
      "SELECT email, name, company, stage, thread_count, inbound_count, outbound_count, extract(epoch FROM first_seen),"
      " extract(epoch FROM last_inbound), extract(epoch FROM last_outbound), needs_reply, last_subject,"
      " extract(epoch FROM published_at) FROM team_contacts WHERE rep = $1 ORDER BY email",
      {rep});
}

std::vector<Row> event_rows(RawConnection& raw, const std::string& rep) {
  return raw.query(
      "SELECT email, key, from_stage, to_stage, extract(epoch FROM at), actor, rule, message_id, note"
      " FROM team_stage_events WHERE rep = $1 ORDER BY email, key",
      {rep});
}

template <typename Call>
TeamError team_error_of(Call&& call) {
  try {
    call();
  } catch (const TeamError& error) {
    return error;
  }
  FAIL("no TeamError was thrown");
  throw std::logic_error("unreachable");
}

const TeamContact* find_contact(const TeamView& view, const std::string& email) {
  for (const auto& contact : view.contacts) {
    if (contact.email == email) return &contact;
  }
  return nullptr;
}

TEST_CASE("ensure_schema creates the schema and reports its version; running it again changes nothing") {
  drop_team_schema();
  auto database = open_database();
  CHECK(database->schema_version() == 0);
  database->ensure_schema();
  CHECK(database->schema_version() == 1);
  database->publish("alice", std::vector{present(contact("a@x.example", "lead"))}, kNow);
  database->ensure_schema();
  open_database()->ensure_schema();
  CHECK(database->schema_version() == 1);
  RawConnection raw;
  CHECK(raw.scalar("SELECT count(*) FROM prospectd_schema") == "1");
  CHECK(raw.scalar("SELECT count(*) FROM team_contacts") == "1");
  CHECK(raw.scalar("SELECT count(*) FROM team_stage_events") == "1");
}

TEST_CASE("a database with a newer schema is refused as fatal") {
  fresh_database();
  RawConnection().query("UPDATE prospectd_schema SET version = 99");
  auto database = open_database();
  CHECK(database->schema_version() == 99);
  const TeamError error = team_error_of([&] { database->ensure_schema(); });
  CHECK(error.kind() == core::ErrorKind::fatal);
  CHECK(std::string(error.what()) ==
        "team database has schema v99, newer than this prospectd understands (v1); upgrade prospectd");
  drop_team_schema();
}

TEST_CASE("two daemons creating the schema at the same moment both succeed") {
  drop_team_schema();
  for (int round = 0; round < 3; ++round) {
    drop_team_schema();
    std::vector<std::string> failures(2);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        try {
          TeamDatabase database(test_uri(), test_password());
          database.ensure_schema();
        } catch (const std::exception& error) {
          failures[i] = error.what();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures[0] == "");
    CHECK(failures[1] == "");
    CHECK(RawConnection().scalar("SELECT string_agg(version::text, ',') FROM prospectd_schema") == "1");
  }
}

TEST_CASE("a wrong password is an auth failure whose message names it without the password") {
  const std::string wrong = "Wr0ng-pa55-xyzzy";
  const TeamError error = team_error_of([&] { TeamDatabase(test_uri(), wrong); });
  CHECK(error.kind() == core::ErrorKind::auth);
  const std::string message = error.what();
  CHECK(message == "team database: password authentication failed for user \"" + uri_field("user") + "\"");
  CHECK(message.find(wrong) == std::string::npos);
  CHECK(message.find('\n') == std::string::npos);

  const std::string in_conninfo = key_value_conninfo("team") + " password=" + wrong;
  const TeamError embedded = team_error_of([&] { TeamDatabase(in_conninfo, std::nullopt); });
  CHECK(embedded.kind() == core::ErrorKind::auth);
  CHECK(std::string(embedded.what()).find(wrong) == std::string::npos);
}

TEST_CASE("no password at all is an auth failure") {
  const TeamError error =
      team_error_of([&] { TeamDatabase(key_value_conninfo("team") + " passfile=/nonexistent", std::nullopt); });
  CHECK(error.kind() == core::ErrorKind::auth);
}

TEST_CASE("a database that does not exist is an auth failure") {
  const TeamError error = team_error_of([&] { TeamDatabase(key_value_conninfo("no_such_team_db"), test_password()); });
  CHECK(error.kind() == core::ErrorKind::auth);
  CHECK(std::string(error.what()) == "team database: database \"no_such_team_db\" does not exist");
}

TEST_CASE("a server that is not running is a transient failure") {
  const TeamError error = team_error_of([&] {
    TeamDatabase("host=127.0.0.1 port=1 dbname=team user=prospectd", test_password(), std::chrono::seconds(2));
  });
  CHECK(error.kind() == core::ErrorKind::transient);
  CHECK(std::string(error.what()).starts_with("team database: "));
  CHECK(std::string(error.what()).find("Connection refused") != std::string::npos);
}

// Run by test_team_database.py with the server stopped (--no-skip): the configured URI, refused.
TEST_CASE("the test server when stopped is a transient failure" * doctest::skip()) {
  const TeamError error = team_error_of([&] { TeamDatabase(test_uri(), test_password(), std::chrono::seconds(2)); });
  CHECK(error.kind() == core::ErrorKind::transient);
  CHECK(std::string(error.what()).starts_with("team database: connection to server at \"127.0.0.1\""));
  CHECK(std::string(error.what()).find(*test_password()) == std::string::npos);
}

TEST_CASE("a connection string libpq cannot parse is fatal and not quoted") {
  const TeamError error = team_error_of([&] { TeamDatabase("postgresql://u:s3cr%zzet@127.0.0.1/team", std::nullopt); });
  CHECK(error.kind() == core::ErrorKind::fatal);
  CHECK(std::string(error.what()).find("s3cr") == std::string::npos);
}

TEST_CASE("a dropped connection fails transient once, then the next call connects again") {
  auto database = fresh_database();
  RawConnection().query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prospectd'"
      " AND datname = current_database()");
  try {
    database->read_view(kNow);
  } catch (const TeamError& error) {
    CHECK(error.kind() == core::ErrorKind::transient);
  }
  CHECK(database->read_view(kNow).contacts.empty());
}

TEST_CASE("publishing the same changes twice leaves the same rows") {
  auto database = fresh_database();
  const std::vector changes = {present(contact("a@x.example", "opportunity", kNow - kDay, "Acme", "Ann")),
                               present(contact("b@x.example", "lead"))};
  database->publish("alice", changes, kNow);
  RawConnection raw;
  const auto contacts = contact_rows(raw, "alice");
  const auto events = event_rows(raw, "alice");
  CHECK(contacts.size() == 2);
  CHECK(events.size() == 3);
  database->publish("alice", changes, kNow);
  CHECK(contact_rows(raw, "alice") == contacts);
  CHECK(event_rows(raw, "alice") == events);
}

TEST_CASE("a publish replaces a contact's state and history") {
  auto database = fresh_database();
  database->publish("alice", std::vector{present(contact("a@x.example", "customer"))}, kNow);
  SharedContact changed = contact("a@x.example", "prospect");
  changed.history = {event("k-other", std::nullopt, "prospect", kNow - kDay)};
  database->publish("alice", std::vector{present(changed)}, kNow + 10);
  RawConnection raw;
  const auto events = event_rows(raw, "alice");
  REQUIRE(events.size() == 1);
  CHECK(events[0][1] == "k-other");
  CHECK(contact_rows(raw, "alice")[0][3] == "prospect");
  CHECK(raw.scalar("SELECT extract(epoch FROM published_at)::bigint FROM team_contacts") == std::to_string(kNow + 10));
}

TEST_CASE("a withdrawal deletes the contact and its events; the last change for an email wins") {
  auto database = fresh_database();
  database->publish(
      "alice", std::vector{present(contact("a@x.example", "customer")), present(contact("b@x.example", "lead"))}, kNow);
  database->publish(
      "alice", std::vector{withdrawn("a@x.example"), present(contact("c@x.example", "lead")), withdrawn("c@x.example")},
      kNow);
  RawConnection raw;
  const auto contacts = contact_rows(raw, "alice");
  REQUIRE(contacts.size() == 1);
  CHECK(contacts[0][0] == "b@x.example");
  CHECK(raw.scalar("SELECT count(*) FROM team_stage_events WHERE email <> 'b@x.example'") == "0");
  database->publish("alice", std::vector{withdrawn("never-published@x.example")}, kNow);
  CHECK(contact_rows(raw, "alice").size() == 1);
}

TEST_CASE("a rep's publish leaves the other reps' rows alone") {
  auto database = fresh_database();
  database->publish(
      "alice", std::vector{present(contact("shared@x.example", "customer")), present(contact("y@x.example", "lead"))},
      kNow);
  RawConnection raw;
  const auto alice_contacts = contact_rows(raw, "alice");
  const auto alice_events = event_rows(raw, "alice");
  database->publish("bob", std::vector{present(contact("shared@x.example", "lead")), withdrawn("y@x.example")},
                    kNow + 5);
  CHECK(contact_rows(raw, "alice") == alice_contacts);
  CHECK(event_rows(raw, "alice") == alice_events);
  CHECK(contact_rows(raw, "bob").size() == 1);
}

TEST_CASE("the view combines the reps: furthest stage, companies, collisions, publish times") {
  auto database = fresh_database();
  database->publish("alice",
                    std::vector{present(contact("a@acme.example", "lead", kNow - kDay, "Acme", "Ann A.")),
                                present(contact("d@dq.example", "disqualified", kNow - kDay)),
                                present(contact("solo@x.example", "prospect", kNow - kDay, "Acme")),
                                present(contact("old@x.example", "lead", kNow - 31 * kDay))},
                    kNow - 100);
  database->publish("bob",
                    std::vector{present(contact("a@acme.example", "opportunity", kNow - 30 * kDay, "Acme")),
                                present(contact("d@dq.example", "disqualified", kNow - 2 * kDay)),
                                present(contact("old@x.example", "lead", kNow - 40 * kDay, std::nullopt, "Old"))},
                    kNow - 50);
  database->publish("carol",
                    std::vector{present(contact("a@acme.example", "disqualified", kNow - 31 * kDay)),
                                present(contact("d@dq.example", "prospect"))},
                    kNow - 10);
  database->publish("dave", {}, kNow - 5);

  const TeamView view = database->read_view(kNow);
  CHECK(view.as_of == kNow);
  REQUIRE(view.reps.size() == 4);
  CHECK(view.reps[0].rep == "alice");
  CHECK(view.reps[0].contacts == 4);
  CHECK(view.reps[0].last_publish_at == kNow - 100);
  CHECK(view.reps[2].rep == "carol");
  CHECK(view.reps[2].contacts == 2);
  CHECK(view.reps[3].contacts == 0);
  CHECK(view.reps[3].last_publish_at == kNow - 5);

  REQUIRE(view.contacts.size() == 4);
  const TeamContact* shared = find_contact(view, "a@acme.example");
  REQUIRE(shared != nullptr);
  CHECK(shared->stage == "opportunity");
  CHECK(shared->name == "Ann A.");
  CHECK(shared->company == "Acme");
  REQUIRE(shared->reps.size() == 3);
  CHECK(shared->reps[1].rep == "bob");
  CHECK(shared->reps[1].stage == "opportunity");
  CHECK(shared->reps[1].last_outbound == kNow - 30 * kDay);
  CHECK(shared->reps[1].last_inbound == kNow - 50 * kDay);
  CHECK(shared->reps[1].thread_count == 2);
  CHECK(find_contact(view, "d@dq.example")->stage == "prospect");
  CHECK(find_contact(view, "old@x.example")->name == "Old");

  RawConnection().query("DELETE FROM team_contacts WHERE rep = 'carol' AND email = 'd@dq.example'");
  CHECK(find_contact(database->read_view(kNow), "d@dq.example")->stage == "disqualified");

  REQUIRE(view.companies.size() == 1);
  CHECK(view.companies[0].company == "Acme");
  CHECK(view.companies[0].contacts == 2);
  CHECK(view.companies[0].reps == std::vector<std::string>{"alice", "bob", "carol"});

  REQUIRE(view.collisions.size() == 2);
  CHECK(view.collisions[0].email == "a@acme.example");
  CHECK(view.collisions[0].reps == std::vector<std::string>{"alice", "bob"});
  CHECK(view.collisions[1].email == "d@dq.example");
  CHECK(view.collisions[1].reps == std::vector<std::string>{"alice", "bob"});
  CHECK(database->read_view(kNow + kDay).collisions.size() == 1);  // bob's a@ message is now 31 days old
}

TEST_CASE("awkward strings and missing values round-trip") {
  auto database = fresh_database();
  const std::vector<std::string> awkward = {"plain",
                                            "quote \" inside",
                                            "back\\slash \\\" both",
                                            "comma, {braces} }{",
                                            "NULL",
                                            "",
                                            "Zo\u00eb \u65e5\u672c \U0001F680",
                                            "line\nbreak\ttab",
                                            "'single' $1 ::text",
                                            "\\N"};
  std::vector<ContactChange> changes;
  for (std::size_t i = 0; i < awkward.size(); ++i) {
    SharedContact shared = contact("p" + std::to_string(i) + "@x.example", "lead");
    shared.name = awkward[i];
    shared.company = i % 2 == 0 ? std::optional(awkward[i]) : std::nullopt;
    shared.last_subject = i % 3 == 0 ? std::nullopt : std::optional("Re: " + awkward[i]);
    shared.first_seen = std::nullopt;
    shared.needs_reply = i % 2 == 1;
    shared.history = {event(awkward[i] + "#key", std::nullopt, "lead", kNow)};
    shared.history[0].note = awkward[i];
    shared.history[0].message_id = "<" + awkward[i] + ">";
    changes.push_back(present(shared));
  }
  const std::string awkward_rep = "rep \"with\" \\ and , {x}";
  database->publish(awkward_rep, changes, kNow);
  RawConnection raw;
  const auto contacts = contact_rows(raw, awkward_rep);
  const auto events = event_rows(raw, awkward_rep);
  REQUIRE(contacts.size() == awkward.size());
  REQUIRE(events.size() == awkward.size());
  for (std::size_t i = 0; i < awkward.size(); ++i) {
    INFO("value " << i << ": " << awkward[i]);
    CHECK(contacts[i][1] == awkward[i]);
    CHECK(contacts[i][2] == (i % 2 == 0 ? std::optional(awkward[i]) : std::nullopt));
    CHECK(contacts[i][7] == std::nullopt);
    CHECK(contacts[i][10] == (i % 2 == 1 ? "t" : "f"));
    CHECK(contacts[i][11] == (i % 3 == 0 ? std::nullopt : std::optional("Re: " + awkward[i])));
    CHECK(events[i][1] == awkward[i] + "#key");
    CHECK(events[i][2] == std::nullopt);
    CHECK(events[i][7] == "<" + awkward[i] + ">");
    CHECK(events[i][8] == awkward[i]);
  }
  const TeamView view = database->read_view(kNow);
  REQUIRE(view.contacts.size() == awkward.size());
  CHECK(view.reps[0].rep == awkward_rep);
  CHECK(view.contacts[6].name == awkward[6]);
}

TEST_CASE("a publish with an unknown stage or actor is a programming error") {
  auto database = fresh_database();
  CHECK_THROWS_AS(database->publish("alice", std::vector{present(contact("a@x.example", "won"))}, kNow),
                  std::invalid_argument);
  SharedContact bad_actor = contact("a@x.example", "lead");
  bad_actor.history[0].actor = "robot";
  CHECK_THROWS_AS(database->publish("alice", std::vector{present(bad_actor)}, kNow), std::invalid_argument);
  CHECK(RawConnection().scalar("SELECT count(*) FROM team_contacts") == "0");
}

TEST_CASE("20000 contacts with two events each publish in batches of 2000") {
  auto database = fresh_database();
  const auto started = std::chrono::steady_clock::now();
  constexpr int kContacts = 20'000, kBatch = 2'000;
  for (int first = 0; first < kContacts; first += kBatch) {
    std::vector<ContactChange> batch;
    for (int i = first; i < first + kBatch; ++i) {
      batch.push_back(present(contact("person" + std::to_string(i) + "@company" + std::to_string(i % 700) + ".example",
                                      "prospect", kNow - (i % 40) * kDay, "Company " + std::to_string(i % 700),
                                      "Person " + std::to_string(i))));
    }
    database->publish("bulk", batch, kNow);
  }
  const auto publish_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto view_started = std::chrono::steady_clock::now();
  const TeamView view = database->read_view(kNow);
  const auto view_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - view_started).count();
  MESSAGE("published " << kContacts << " contacts (" << 2 * kContacts << " events) in " << publish_seconds
                       << " s; read_view took " << view_seconds << " s");
  CHECK(view.contacts.size() == kContacts);
  CHECK(view.companies.size() == 700);
  CHECK(RawConnection().scalar("SELECT count(*) FROM team_stage_events") == std::to_string(2 * kContacts));
}

}  // namespace
}  // namespace prospectd::store::team
