// The team view's queries, in one REPEATABLE READ READ ONLY transaction (store/team/team_view_query.h).
#include "store/team/team_view_query.h"

#include <string>
#include <vector>

#include "store/team/team_view_builder.h"

namespace prospectd::store::team {
namespace {

constexpr const char* kReadReps =
    "SELECT r.rep, floor(extract(epoch FROM r.last_publish_at))::bigint,"
    " (SELECT count(*) FROM team_contacts c WHERE c.rep = r.rep) FROM team_reps r";

constexpr const char* kReadContacts =
    "SELECT email, rep, name, company, stage, thread_count, floor(extract(epoch FROM last_inbound))::bigint,"
    " floor(extract(epoch FROM last_outbound))::bigint FROM team_contacts";

std::string text_at(const PGresult* result, int row, int column) { return PQgetvalue(result, row, column); }

std::optional<std::string> optional_text_at(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::nullopt;
  return text_at(result, row, column);
}

std::int64_t integer_at(const PGresult* result, int row, int column) {
  return std::stoll(PQgetvalue(result, row, column));
}

std::optional<std::int64_t> optional_integer_at(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return std::nullopt;
  return integer_at(result, row, column);
}

}  // namespace

TeamView read_team_view(PgSession& session, std::int64_t as_of) {
  PgTransaction transaction(session, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const PgResult rep_rows = session.run(kReadReps);
  std::vector<TeamRepSummary> reps;
  for (int row = 0; row < PQntuples(rep_rows.get()); ++row) {
    reps.push_back({text_at(rep_rows.get(), row, 0), integer_at(rep_rows.get(), row, 2),
                    optional_integer_at(rep_rows.get(), row, 1)});
  }
  const PgResult contact_rows = session.run(kReadContacts);
  std::vector<TeamContactRow> rows;
  rows.reserve(static_cast<std::size_t>(PQntuples(contact_rows.get())));
  for (int row = 0; row < PQntuples(contact_rows.get()); ++row) {
    const PGresult* result = contact_rows.get();
    rows.push_back(
        {text_at(result, row, 0), text_at(result, row, 2), optional_text_at(result, row, 3),
         TeamContactRep{text_at(result, row, 1), text_at(result, row, 4), optional_integer_at(result, row, 6),
                        optional_integer_at(result, row, 7), integer_at(result, row, 5)}});
  }
  transaction.commit();
  return build_team_view(as_of, std::move(reps), std::move(rows));
}

}  // namespace prospectd::store::team
