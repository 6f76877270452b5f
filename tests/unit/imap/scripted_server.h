// An in-memory IMAP server for the engine's unit tests: folders of messages with UIDs, internal
// dates and Gmail thread ids, answering the commands the connector sends (CAPABILITY, LIST,
// STATUS, EXAMINE, UID SEARCH with SINCE/BEFORE, UID FETCH, IDLE, LOGOUT) and recording them.
// Exchanges other servers have (Gmail's X-GM-EXT-1, Courier's EXAMINE without UIDNEXT) are
// switches. One test thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/imap/transport.h"

namespace prospectd::test {

struct ScriptedMessage {
  std::uint32_t uid = 0;
  std::chrono::sys_days internal_date;
  std::string header;              // the header block, CRLF line ends
  std::uint64_t gmail_thread = 0;  // X-GM-THRID; 0: none
};

struct ScriptedFolder {
  std::string name;
  std::vector<std::string> attributes;  // e.g. "\\Sent", "\\All"
  std::uint32_t uidvalidity = 1;
  std::uint32_t uidnext = 1;
  std::vector<ScriptedMessage> messages;
};

class ScriptedServer {
 public:
  std::vector<std::string> capabilities{"IMAP4rev1", "IDLE"};
  bool examine_reports_uidnext = true;  // false: like Courier
  bool status_reports_uidnext = true;
  std::map<std::string, ScriptedFolder> folders;
  std::vector<std::string> commands;  // every command received, without its tag
  int connections = 0;

  // Adds a message dated `day` from `from` to `to` with a fresh UID.
  void add(const std::string& folder, std::chrono::sys_days day, const std::string& message_id, const std::string& from,
           const std::string& to, std::uint64_t gmail_thread = 0);
  // A new message arriving while a connection idles on `folder`.
  void deliver_during_idle(const std::string& folder, std::chrono::sys_days day, const std::string& message_id,
                           const std::string& from, const std::string& to);

  // A transport connected to this server (it must outlive the transport).
  std::unique_ptr<connectors::imap::Transport> connect();

  // The commands received that start with `prefix`.
  std::vector<std::string> commands_starting(const std::string& prefix) const;

 private:
  class Connection;
  struct PendingDelivery {
    std::string folder;
    ScriptedMessage message;
  };
  std::string answer(Connection& connection, const std::string& tag, const std::string& command);
  std::string fetch(const ScriptedFolder& folder, const std::string& arguments) const;
  std::string search(const ScriptedFolder& folder, const std::string& arguments) const;
  std::deque<PendingDelivery> idle_deliveries_;
};

}  // namespace prospectd::test
