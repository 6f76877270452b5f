// Contacts as rows for spreadsheets and CRM imports: RFC 4180 CSV (guarded against formula
// injection) and JSON Lines, one contact per line so a caller can stream. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "store/reader.h"

namespace prospectd::views {

enum class ExportFormat { csv, jsonl };

// "csv" or "jsonl" (exactly); nullopt otherwise.
std::optional<ExportFormat> export_format_from_string(std::string_view name);

// A display name as first and last name: the first word and the rest ("Jane van Doe" -> Jane,
// van Doe), "Doe, Jane" swapped, both empty for no name or a name that is an e-mail address.
struct PersonName {
  std::string first;
  std::string last;
};
PersonName split_person_name(std::string_view display_name);

// The latest of last inbound and last outbound, nullopt when neither is known.
std::optional<std::int64_t> last_contacted(const store::ContactRow& contact);

// One RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes doubled). A value
// starting with =, +, -, @, TAB or CR is prefixed with ' so a spreadsheet never runs it as a formula.
std::string csv_field(std::string_view value);

// What comes before the first contact: the CSV header row (CRLF ended), nothing for JSON Lines.
std::string export_preamble(ExportFormat format);
// One contact as one line, its line end included (CRLF for CSV, LF for JSON Lines).
std::string export_line(ExportFormat format, const store::ContactRow& contact);

// The JSON Lines object: contact_json's fields plus first_name, last_name and last_contacted.
nlohmann::json contact_export_json(const store::ContactRow& contact);

}  // namespace prospectd::views
