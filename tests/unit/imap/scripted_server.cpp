// The scripted server: a line-oriented command loop over in-memory folders. Only what the
// connector sends is understood; anything else is answered BAD, so a new command shows up.
#include "tests/unit/imap/scripted_server.h"

#include <algorithm>
#include <array>
#include <sstream>

namespace prospectd::test {
namespace {

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string unquoted(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') return text.substr(1, text.size() - 2);
  return text;
}

// The first argument (quoted or not) and the rest.
std::pair<std::string, std::string> first_argument(const std::string& text) {
  if (!text.empty() && text.front() == '"') {
    const auto end = text.find('"', 1);
    return {text.substr(1, end - 1), end + 2 <= text.size() ? text.substr(end + 2) : ""};
  }
  const auto space = text.find(' ');
  return {text.substr(0, space), space == std::string::npos ? "" : text.substr(space + 1)};
}

std::chrono::sys_days parse_day(const std::string& text) {
  std::istringstream in(text);
  unsigned day = 0;
  int year = 0;
  char dash = 0;
  std::string month_name(3, ' ');
  in >> day >> dash;
  in.read(month_name.data(), 3);
  in >> dash >> year;
  const auto month = std::find(kMonths.begin(), kMonths.end(), month_name) - kMonths.begin() + 1;
  return std::chrono::sys_days(std::chrono::year(year) / std::chrono::month(static_cast<unsigned>(month)) /
                               std::chrono::day(day));
}

std::string internal_date(std::chrono::sys_days day) {
  const std::chrono::year_month_day date{day};
  char text[40];
  std::snprintf(text, sizeof text, "%02u-%s-%04d 12:00:00 +0000", static_cast<unsigned>(date.day()),
                kMonths[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()));
  return text;
}

// "4:9,12,20:*" against the folder's UIDs ("*" is the highest, RFC 3501 §6.4.8).
bool in_set(std::uint32_t uid, const std::string& set, std::uint32_t highest) {
  std::istringstream parts(set);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const auto colon = part.find(':');
    const auto value = [&](const std::string& text) -> std::uint32_t {
      return text == "*" ? highest : static_cast<std::uint32_t>(std::stoul(text));
    };
    std::uint32_t first = value(part.substr(0, colon));
    std::uint32_t last = colon == std::string::npos ? first : value(part.substr(colon + 1));
    if (first > last) std::swap(first, last);
    if (uid >= first && uid <= last) return true;
  }
  return false;
}

std::uint32_t highest_uid(const ScriptedFolder& folder) {
  return folder.messages.empty() ? 0 : folder.messages.back().uid;
}

std::string header_of(const std::string& message_id, const std::string& from, const std::string& to,
                      std::chrono::sys_days day) {
  const std::chrono::year_month_day date{day};
  char date_header[64];
  std::snprintf(date_header, sizeof date_header, "Date: %u %s %04d 12:00:00 +0000\r\n",
                static_cast<unsigned>(date.day()), kMonths[static_cast<unsigned>(date.month()) - 1],
                static_cast<int>(date.year()));
  return "From: " + from + "\r\nTo: " + to + "\r\nSubject: about " + message_id + "\r\n" + date_header +
         "Message-ID: <" + message_id + ">\r\n\r\n";
}

}  // namespace

class ScriptedServer::Connection final : public connectors::imap::Transport {
 public:
  explicit Connection(ScriptedServer& server) : server_(server) {}

  std::expected<void, core::SourceError> send_all(std::string_view bytes) override {
    inbound_ += bytes;
    for (auto end = inbound_.find("\r\n"); end != std::string::npos; end = inbound_.find("\r\n")) {
      const std::string line = inbound_.substr(0, end);
      inbound_.erase(0, end + 2);
      if (!idle_tag.empty() && line == "DONE") {
        outbound_ += idle_tag + " OK IDLE terminated\r\n";
        idle_tag.clear();
        continue;
      }
      const auto space = line.find(' ');
      const std::string tag = line.substr(0, space);
      outbound_ += server_.answer(*this, tag, line.substr(space + 1));
    }
    return {};
  }

  std::expected<std::size_t, core::SourceError> receive(char* buffer, std::size_t capacity,
                                                        std::chrono::milliseconds) override {
    if (outbound_.empty() && !idle_tag.empty()) deliver_pending();
    if (outbound_.empty()) {
      if (closed) return std::unexpected(core::SourceError{core::ErrorKind::transient, "closed the connection"});
      return std::size_t{0};
    }
    const std::size_t count = std::min(capacity, outbound_.size());
    outbound_.copy(buffer, count);
    outbound_.erase(0, count);
    return count;
  }

  std::string selected;
  std::string idle_tag;
  bool closed = false;

 private:
  void deliver_pending() {
    auto& pending = server_.idle_deliveries_;
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      if (it->folder != selected) continue;
      ScriptedFolder& folder = server_.folders.at(selected);
      it->message.uid = folder.uidnext++;
      folder.messages.push_back(std::move(it->message));
      pending.erase(it);
      outbound_ += "* " + std::to_string(folder.messages.size()) + " EXISTS\r\n";
      return;
    }
  }

  ScriptedServer& server_;
  std::string inbound_;
  std::string outbound_;
};

void ScriptedServer::add(const std::string& folder_name, std::chrono::sys_days day, const std::string& message_id,
                         const std::string& from, const std::string& to, std::uint64_t gmail_thread) {
  ScriptedFolder& folder = folders.at(folder_name);
  folder.messages.push_back({folder.uidnext++, day, header_of(message_id, from, to, day), gmail_thread});
}

void ScriptedServer::deliver_during_idle(const std::string& folder, std::chrono::sys_days day,
                                         const std::string& message_id, const std::string& from,
                                         const std::string& to) {
  idle_deliveries_.push_back({folder, ScriptedMessage{0, day, header_of(message_id, from, to, day), 0}});
}

std::unique_ptr<connectors::imap::Transport> ScriptedServer::connect() {
  ++connections;
  return std::make_unique<Connection>(*this);
}

std::vector<std::string> ScriptedServer::commands_starting(const std::string& prefix) const {
  std::vector<std::string> found;
  for (const auto& command : commands) {
    if (command.starts_with(prefix)) found.push_back(command);
  }
  return found;
}

std::string ScriptedServer::answer(Connection& connection, const std::string& tag, const std::string& command) {
  commands.push_back(command);
  const std::string ok = tag + " OK done\r\n";
  if (command == "CAPABILITY") {
    std::string line = "* CAPABILITY";
    for (const auto& name : capabilities) line += " " + name;
    return line + "\r\n" + ok;
  }
  if (command == "LIST \"\" \"*\"") {
    std::string lines;
    for (const auto& [name, folder] : folders) {
      std::string attributes;
      for (const auto& attribute : folder.attributes) attributes += (attributes.empty() ? "" : " ") + attribute;
      lines += "* LIST (" + attributes + ") \"/\" \"" + name + "\"\r\n";
    }
    return lines + ok;
  }
  if (command.starts_with("STATUS ")) {
    const auto [name, rest] = first_argument(command.substr(7));
    const ScriptedFolder& folder = folders.at(name);
    std::string items = "MESSAGES " + std::to_string(folder.messages.size());
    if (status_reports_uidnext) items += " UIDNEXT " + std::to_string(folder.uidnext);
    items += " UIDVALIDITY " + std::to_string(folder.uidvalidity);
    return "* STATUS \"" + name + "\" (" + items + ")\r\n" + ok;
  }
  if (command.starts_with("EXAMINE ") || command.starts_with("SELECT ")) {
    connection.selected = unquoted(command.substr(command.find(' ') + 1));
    const ScriptedFolder& folder = folders.at(connection.selected);
    std::string lines = "* " + std::to_string(folder.messages.size()) + " EXISTS\r\n";
    lines += "* OK [UIDVALIDITY " + std::to_string(folder.uidvalidity) + "] UIDs valid\r\n";
    if (examine_reports_uidnext) lines += "* OK [UIDNEXT " + std::to_string(folder.uidnext) + "] next\r\n";
    return lines + tag + " OK [READ-ONLY] EXAMINE completed\r\n";
  }
  if (command.starts_with("UID SEARCH ")) return search(folders.at(connection.selected), command.substr(11)) + ok;
  if (command.starts_with("UID FETCH ")) return fetch(folders.at(connection.selected), command.substr(10)) + ok;
  if (command == "IDLE") {
    connection.idle_tag = tag;
    return "+ idling\r\n";
  }
  if (command == "LOGOUT") {
    connection.closed = true;
    return "* BYE logging out\r\n" + ok;
  }
  return tag + " BAD unknown command\r\n";
}

std::string ScriptedServer::search(const ScriptedFolder& folder, const std::string& arguments) const {
  std::istringstream words(arguments);
  std::string word;
  std::string set;
  std::optional<std::chrono::sys_days> since;
  std::optional<std::chrono::sys_days> before;
  while (words >> word) {
    std::string value;
    words >> value;
    if (word == "UID") set = value;
    if (word == "SINCE") since = parse_day(value);
    if (word == "BEFORE") before = parse_day(value);
  }
  std::string line = "* SEARCH";
  for (const auto& message : folder.messages) {
    if (!in_set(message.uid, set, highest_uid(folder))) continue;
    if (since && message.internal_date < *since) continue;
    if (before && message.internal_date >= *before) continue;
    line += " " + std::to_string(message.uid);
  }
  return line + "\r\n";
}

std::string ScriptedServer::fetch(const ScriptedFolder& folder, const std::string& arguments) const {
  const std::string set = arguments.substr(0, arguments.find(' '));
  const bool gmail = arguments.find("X-GM-THRID") != std::string::npos;
  std::string lines;
  for (std::size_t i = 0; i < folder.messages.size(); ++i) {
    const ScriptedMessage& message = folder.messages[i];
    if (!in_set(message.uid, set, highest_uid(folder))) continue;
    lines += "* " + std::to_string(i + 1) + " FETCH (UID " + std::to_string(message.uid) + " INTERNALDATE \"" +
             internal_date(message.internal_date) + "\"";
    if (gmail) lines += " X-GM-THRID " + std::to_string(message.gmail_thread);
    lines +=
        " BODY[HEADER.FIELDS (FROM TO)] {" + std::to_string(message.header.size()) + "}\r\n" + message.header + ")\r\n";
  }
  return lines;
}

}  // namespace prospectd::test
