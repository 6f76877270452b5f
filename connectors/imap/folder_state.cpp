// FolderState <-> JSON with nlohmann/json; unreadable state is treated as absent, never thrown.
// A fresh fetch is always safe: stored messages are deduplicated by the store.
#include "connectors/imap/folder_state.h"

#include <nlohmann/json.hpp>

namespace prospectd::connectors::imap {

std::string FolderState::to_json() const {
  return nlohmann::json{{"uidvalidity", uidvalidity}, {"uidnext", uidnext}, {"highestmodseq", highestmodseq}}.dump();
}

std::optional<FolderState> FolderState::from_json(const std::string& json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  try {
    FolderState state;
    state.uidvalidity = parsed.at("uidvalidity").get<std::uint32_t>();
    state.uidnext = parsed.at("uidnext").get<std::uint32_t>();
    state.highestmodseq = parsed.value("highestmodseq", std::uint64_t{0});
    return state;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace prospectd::connectors::imap
