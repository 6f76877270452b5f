// The outbox (ARCHITECTURE.md "Team and webhooks"): what must leave the machine, queued by the
// store's triggers in the transaction of each change, and drained by the publishers in order.
// REQUIRES: one Outbox per thread; it uses its Store's connection (one thread per Store).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/team/team_database.h"

namespace prospectd::store {

// A configured destination. `name` is stable for the same destination ("team", or "webhook "
// + a hash of its URL); `events` lists the webhook event types it takes, comma-separated.
struct PublishTarget {
  std::string name;
  std::string kind;  // team | webhook
  std::string events;
  bool operator==(const PublishTarget&) const = default;
};

// One webhook delivery waiting in the outbox.
struct WebhookItem {
  std::int64_t row = 0;
  std::string contact_email;
  std::string type;  // contact_created | stage_changed
  std::optional<std::string> from;
  std::string to;
  std::int64_t at = 0;
  std::string actor;
  std::string rule;
  std::optional<std::int64_t> thread;
  std::string message_id;
  std::string note;
  std::optional<std::string> body;  // frozen at the first attempt, then sent as it is
  std::int64_t attempts = 0;
  std::optional<std::int64_t> first_attempt_at;
};

// A contact marked for the team database, and the mark's version when it was read.
struct TeamMark {
  std::string email;
  std::int64_t version = 0;
};

// A batch for the team database: the current state of each marked contact (or its withdrawal),
// and the marks to clear once the batch is published.
struct TeamBatch {
  std::vector<team::ContactChange> changes;
  std::vector<TeamMark> marks;
};

// A stable identity for a stage event's content: the same event re-derived by a rebuild gets
// the same key, so it is the webhook delivery id and the team database's event key.
std::string publish_event_key(const std::string& email, const std::optional<std::string>& from, const std::string& to,
                              std::int64_t at, const std::string& actor, const std::string& rule,
                              const std::string& message_id);

class Outbox {
 public:
  explicit Outbox(Store& store);

  // Makes `targets` the configured ones, in one transaction. A new webhook target gets the
  // whole existing history queued (so its receiver holds the full state), a new team target
  // every contact marked; a target no longer configured is dropped with what it had queued.
  void set_targets(std::span<const PublishTarget> targets, std::int64_t now);

  // Up to `limit` due items of a webhook target in order: an item waits while an earlier one
  // of the same contact is pending (order per contact).
  std::vector<WebhookItem> due_webhook_items(const std::string& target, std::int64_t now, std::size_t limit);
  // The seconds until the target's next item falls due, or nullopt when nothing is pending.
  std::optional<std::int64_t> next_webhook_due(const std::string& target, std::int64_t now);
  void freeze_body(std::int64_t row, const std::string& body, std::int64_t now);
  // Delivered: the body is dropped; the row stays as the event's identity, so the same event
  // queued again (a rebuild re-deriving it) is recognised and not sent twice.
  void mark_delivered(std::int64_t row, std::int64_t now);
  void mark_retry(std::int64_t row, std::int64_t next_attempt_at, const std::string& error);
  void mark_failed(std::int64_t row, std::int64_t now, const std::string& error);

  // Up to `limit` marked contacts with their current shared state (subjects only with
  // `share_subjects`); blocked, forgotten or vanished contacts come as withdrawals.
  TeamBatch marked_team_contacts(std::size_t limit, bool share_subjects);
  // Clears the marks that did not change since they were read (a change during the publish
  // leaves its mark for the next batch).
  void clear_team_marks(std::span<const TeamMark> marks);

  void record_target_attempt(const std::string& target, std::int64_t now, bool succeeded,
                             const std::string& error_kind = {}, const std::string& error = {});

 private:
  Store& store_;
};

}  // namespace prospectd::store
