// The fake Gmail server's mailbox: a generated Maildir read as Gmail would hold it (one message
// per Message-ID, labels INBOX/SENT, threads by References closure, a history id per change).
// Not thread-safe; the server serialises access with its own mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace prospectd::tests::fake_gmail {

struct FakeMessage {
  std::string id;
  std::string thread_id;
  std::vector<std::pair<std::string, std::string>> headers;  // name, unfolded value
  std::vector<std::string> labels;
  std::string snippet;  // HTML-escaped, as Gmail sends it
  std::int64_t internal_ms = 0;
  std::uint64_t history_id = 0;
  std::size_t size = 0;
};

struct HistoryRecord {
  std::uint64_t id = 0;
  std::string message_id;  // Gmail id
  bool added = false;      // messagesAdded (else labelsAdded)
  std::string label;       // for labelsAdded
};

class Mailbox {
 public:
  // `own`: the rep's addresses (one participant for subject threading, as for Gmail).
  Mailbox(std::filesystem::path dir, std::vector<std::string> own) : dir_(std::move(dir)), own_(std::move(own)) {}

  // Reads Maildir/{cur,new} (INBOX) and Maildir/.Sent/{cur,new} files not read before, in file
  // name order (the generator names files by date); returns how many Gmail messages were added.
  std::size_t scan();

  const std::vector<FakeMessage>& messages() const { return messages_; }  // oldest first
  const FakeMessage* find(const std::string& id) const;
  std::vector<const FakeMessage*> thread(const std::string& thread_id) const;
  std::size_t thread_count() const { return threads_.size(); }
  // Messages per thread, for the least quota a full fetch can cost.
  std::vector<std::size_t> thread_sizes() const {
    std::vector<std::size_t> sizes;
    for (const auto& [id, members] : threads_) sizes.push_back(members.size());
    return sizes;
  }
  const std::vector<HistoryRecord>& history() const { return history_; }
  std::uint64_t history_id() const { return history_id_; }

 private:
  void add_file(const std::filesystem::path& file, bool sent);

  std::string participant(std::string email) const;

  std::filesystem::path dir_;
  std::vector<std::string> own_;
  std::set<std::string> seen_files_;
  std::vector<FakeMessage> messages_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_message_id_;
  std::unordered_map<std::string, std::string> thread_of_reference_;  // Message-ID -> thread
  std::map<std::string, std::vector<std::size_t>> threads_;
  struct SubjectThread {
    std::string thread_id;
    std::set<std::string> participants;  // lower-cased addresses
    std::int64_t last = 0;               // Date of its latest message
  };
  std::unordered_map<std::string, std::vector<SubjectThread>> by_subject_;  // base subject
  std::vector<HistoryRecord> history_;
  std::uint64_t history_id_ = 1000;
  std::uint64_t next_serial_ = 0;
};

}  // namespace prospectd::tests::fake_gmail
