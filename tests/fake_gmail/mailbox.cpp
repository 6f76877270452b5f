// The fake Gmail server's mailbox: Maildir files to Gmail messages, threads and history.
#include "mailbox.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "connectors/mail/address_list.h"
#include "connectors/mail/date.h"
#include "connectors/mail/encoded_words.h"
#include "connectors/mail/header_block.h"
#include "connectors/mail/message_ids.h"
#include "connectors/mail/subject.h"

namespace prospectd::tests::fake_gmail {
namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string make_snippet(std::string_view body) {
  std::string text;
  bool space = false;
  for (const char c : body) {
    if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
      space = !text.empty();
      continue;
    }
    if (space) text.push_back(' ');
    space = false;
    text.push_back(c);
    if (text.size() >= 120) break;
  }
  // Do not cut a UTF-8 sequence.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  return escape_html(text);
}

}  // namespace

std::size_t Mailbox::scan() {
  struct Entry {
    std::string name;
    std::filesystem::path path;
    bool sent;
  };
  std::vector<Entry> files;
  const auto collect = [&](const std::filesystem::path& folder, bool sent) {
    for (const char* sub : {"cur", "new"}) {
      std::error_code error;
      for (const auto& entry : std::filesystem::directory_iterator(folder / sub, error)) {
        if (!entry.is_regular_file() || seen_files_.contains(entry.path().string())) continue;
        files.push_back({entry.path().filename().string(), entry.path(), sent});
      }
    }
  };
  collect(dir_ / "Maildir", false);
  collect(dir_ / "Maildir" / ".Sent", true);
  std::sort(files.begin(), files.end(),
            [](const Entry& a, const Entry& b) { return a.name != b.name ? a.name < b.name : a.sent < b.sent; });
  const std::size_t before = messages_.size();
  for (const Entry& file : files) {
    seen_files_.insert(file.path.string());
    add_file(file.path, file.sent);
  }
  return messages_.size() - before;
}

void Mailbox::add_file(const std::filesystem::path& file, bool sent) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  const std::string raw = content.str();
  std::size_t body_at = raw.find("\n\n");
  body_at = body_at == std::string::npos ? raw.size() : body_at + 2;
  const auto fields = connectors::mail::split_header_block(raw);
  const auto value = [&](std::string_view name) {
    const auto found = connectors::mail::find_field(fields, name);
    return found ? std::string(*found) : std::string{};
  };
  const std::string message_id = connectors::mail::parse_message_id(value("Message-ID"));
  const std::string label = sent ? "SENT" : "INBOX";
  if (!message_id.empty()) {
    if (const auto it = by_message_id_.find(message_id); it != by_message_id_.end()) {
      // The rep's own copy (Bcc to self): one Gmail message with both labels; the Sent copy's
      // headers (with Bcc) win, as in Gmail.
      FakeMessage& existing = messages_[it->second];
      if (std::find(existing.labels.begin(), existing.labels.end(), label) == existing.labels.end()) {
        existing.labels.push_back(label);
        history_.push_back({++history_id_, existing.id, false, label});
        existing.history_id = history_id_;
      }
      if (sent) {
        existing.headers.clear();
        for (const auto& field : fields) existing.headers.emplace_back(field.name, field.value);
      }
      return;
    }
  }
  FakeMessage message;
  char id[32];
  std::snprintf(id, sizeof id, "%016" PRIx64, static_cast<std::uint64_t>(0x18c0000000000000ULL + ++next_serial_));
  message.id = id;
  for (const auto& field : fields) message.headers.emplace_back(field.name, field.value);
  message.labels = {label};
  message.snippet = make_snippet(std::string_view(raw).substr(body_at));
  const auto date = connectors::mail::parse_date(value("Date"));
  message.internal_ms = (date ? *date : 1'600'000'000) * 1000;
  message.size = raw.size();
  // Gmail threads by References (we leave its subject test out): join the thread of any id
  // this message names or is named by.
  std::vector<std::string> ids = connectors::mail::parse_message_id_list(value("References"));
  if (const std::string parent = connectors::mail::parse_message_id(value("In-Reply-To")); !parent.empty()) {
    ids.push_back(parent);
  }
  if (!message_id.empty()) ids.push_back(message_id);
  for (const auto& reference : ids) {
    if (const auto it = thread_of_reference_.find(reference); it != thread_of_reference_.end()) {
      message.thread_id = it->second;
      break;
    }
  }
  // Gmail also threads a reply without references by subject; as ARCHITECTURE.md "Threads" puts it: the most
  // recent thread with the same base subject in which the sender took part, within 60 days.
  const std::string subject = connectors::mail::decode_unstructured(value("Subject"));
  const std::string base = connectors::mail::base_subject(subject);
  std::set<std::string> participants;
  for (const char* name : {"From", "To", "Cc", "Bcc"}) {
    for (const auto& address : connectors::mail::parse_address_list(value(name))) {
      participants.insert(participant(address.email));
    }
  }
  const auto from = connectors::mail::parse_address_list(value("From"));
  const std::string sender = from.empty() ? std::string{} : participant(from.front().email);
  const std::int64_t when = message.internal_ms / 1000;
  if (message.thread_id.empty() && ids.size() <= 1 && connectors::mail::has_reply_prefix(subject) && !sender.empty()) {
    const SubjectThread* best = nullptr;
    for (const auto& candidate : by_subject_[base]) {
      if (candidate.participants.contains(sender) && when - candidate.last <= 60 * 86400 &&
          (!best || candidate.last > best->last)) {
        best = &candidate;
      }
    }
    if (best) message.thread_id = best->thread_id;
  }
  if (message.thread_id.empty()) message.thread_id = message.id;
  for (const auto& reference : ids) thread_of_reference_.try_emplace(reference, message.thread_id);
  if (!base.empty()) {
    auto& list = by_subject_[base];
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& t) { return t.thread_id == message.thread_id; });
    if (it == list.end()) it = list.insert(list.end(), SubjectThread{message.thread_id, {}, when});
    it->participants.insert(participants.begin(), participants.end());
    it->last = std::max(it->last, when);
  }
  message.history_id = ++history_id_;
  history_.push_back({message.history_id, message.id, true, {}});
  const std::size_t index = messages_.size();
  by_id_[message.id] = index;
  if (!message_id.empty()) by_message_id_[message_id] = index;
  threads_[message.thread_id].push_back(index);
  messages_.push_back(std::move(message));
}

// Lower case without +tag; every address of the rep is the same participant.
std::string Mailbox::participant(std::string email) const {
  for (char& c : email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t at = email.find('@');
  const std::size_t plus = email.find('+');
  if (at != std::string::npos && plus < at) email.erase(plus, at - plus);
  if (std::find(own_.begin(), own_.end(), email) != own_.end()) return "(rep)";
  return email;
}

const FakeMessage* Mailbox::find(const std::string& id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &messages_[it->second];
}

std::vector<const FakeMessage*> Mailbox::thread(const std::string& thread_id) const {
  std::vector<const FakeMessage*> out;
  const auto it = threads_.find(thread_id);
  if (it == threads_.end()) return out;
  for (const std::size_t index : it->second) out.push_back(&messages_[index]);
  return out;
}

}  // namespace prospectd::tests::fake_gmail
