// FolderState <-> JSON with nlohmann/json; unreadable state is treated as absent, never thrown.
// A fresh fetch is always safe: stored messages are deduplicated by the store.
#include "connectors/imap/folder_state.h"

#include <nlohmann/json.hpp>

namespace prospectd::connectors::imap {

std::string FolderState::to_json() const {
  nlohmann::json json{{"uidvalidity", uidvalidity}, {"uidnext", uidnext}, {"highestmodseq", highestmodseq}};
  // Days since 1970-01-01: exact, and no date parsing needed to read it back.
  if (since) json["since_day"] = since->time_since_epoch().count();
  return json.dump();
}

std::optional<FolderState> FolderState::from_json(const std::string& json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  try {
    FolderState state;
    state.uidvalidity = parsed.at("uidvalidity").get<std::uint32_t>();
    state.uidnext = parsed.at("uidnext").get<std::uint32_t>();
    state.highestmodseq = parsed.value("highestmodseq", std::uint64_t{0});
    if (parsed.contains("since_day")) {
      state.since = std::chrono::sys_days(std::chrono::days(parsed.at("since_day").get<std::int32_t>()));
    }
    return state;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace prospectd::connectors::imap
