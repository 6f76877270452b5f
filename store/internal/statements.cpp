// The prepared statements of store/internal/statements.h: every SQL text the write path runs,
// compiled once per Store. Owned by the Store; used on its thread only.
#include "store/internal/statements.h"

#include <SQLiteCpp/Database.h>

namespace prospectd::store {

Store::Statements::Statements(SQLite::Database& db)
    : find_location(db,
                    "SELECT message_row FROM message_locations"
                    " WHERE account_id = ? AND folder = ? AND source_id = ?"),
      insert_location(db,
                      "INSERT INTO message_locations(account_id, folder, source_id, message_row)"
                      " VALUES (?, ?, ?, ?)"),
      find_message(db, "SELECT id FROM messages WHERE message_id = ?"),
      insert_message(db,
                     "INSERT INTO messages(message_id, synthetic_id, thread_id, date, received_at,"
                     " subject, base_subject, subject_fallback, snippet, in_reply_to,"
                     " provider_thread_id, from_email, direction, automation, stored_at, people, refs)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      find_address(db, "SELECT id FROM addresses WHERE email = ?"),
      insert_address(db, "INSERT INTO addresses(email) VALUES (?)"),
      insert_participant(db, "INSERT OR IGNORE INTO participants(address_id, message_row) VALUES (?, ?)"),
      find_message_thread(db, "SELECT thread_id FROM messages WHERE message_id = ?"),
      find_node(db, "SELECT thread_id FROM thread_nodes WHERE node = ?"),
      insert_node(db, "INSERT OR IGNORE INTO thread_nodes(node, thread_id) VALUES (?, ?)"),
      delete_node(db, "DELETE FROM thread_nodes WHERE node = ?"),
      new_thread(db, "INSERT INTO threads DEFAULT VALUES"),
      upsert_checkpoint(db,
                        "INSERT INTO checkpoints(account_id, scope, state, server_count, last_sync_at)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(account_id, scope) DO UPDATE SET"
                        " state = excluded.state, server_count = excluded.server_count,"
                        " last_sync_at = excluded.last_sync_at"),
      find_subject_anchor(db,
                          "SELECT m.thread_id FROM messages m"
                          " WHERE m.base_subject = ?1 AND m.date >= ?3 AND m.date <= ?4"
                          " AND EXISTS (SELECT 1 FROM participants p"
                          "             WHERE p.address_id = ?2 AND p.message_row = m.id)"
                          " ORDER BY m.date DESC, m.id DESC LIMIT 1"),
      find_subject_orphans(db,
                           "SELECT y.thread_id, y.from_email FROM messages y"
                           " WHERE y.base_subject = ? AND y.subject_fallback = 1"
                           " AND y.date > ? AND y.date <= ? AND y.thread_id <> ?"
                           " AND NOT EXISTS (SELECT 1 FROM messages z WHERE z.thread_id = y.thread_id"
                           "   AND (z.date < y.date OR (z.date = y.date AND z.id < y.id)))"),
      merge_nodes(db, "UPDATE thread_nodes SET thread_id = ? WHERE thread_id = ?"),
      merge_messages(db, "UPDATE messages SET thread_id = ? WHERE thread_id = ?"),
      merge_contact_threads(db, "UPDATE OR IGNORE contact_threads SET thread_id = ? WHERE thread_id = ?"),
      merge_stage_events(db, "UPDATE stage_events SET thread_id = ? WHERE thread_id = ?"),
      merge_leftover_contact_threads(db, "DELETE FROM contact_threads WHERE thread_id = ?"),
      merge_delete_thread(db, "DELETE FROM threads WHERE id = ?"),
      contact_find(db, "SELECT id FROM contacts WHERE email = ?"),
      contact_insert(db, "INSERT INTO contacts(email, name, company) VALUES (?, ?, ?)"),
      contact_variant_insert(db, "INSERT OR IGNORE INTO contact_variants(contact_id, raw_email) VALUES (?, ?)"),
      contact_link_all_threads(db,
                               "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id)"
                               " SELECT DISTINCT ?1, m.thread_id FROM addresses d"
                               " JOIN participants p ON p.address_id = d.id"
                               " JOIN messages m ON m.id = p.message_row WHERE d.email = ?2"),
      contact_link_participant(db, "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id) VALUES (?, ?)"),
      contacts_in_thread(db, "SELECT contact_id FROM contact_threads WHERE thread_id = ?"),
      contact_clear_awaiting(db,
                             "UPDATE contact_threads SET awaiting_reply = 0"
                             " WHERE contact_id = ? AND awaiting_reply = 1"),
      contact_set_awaiting(db,
                           "UPDATE contact_threads SET awaiting_reply = 1"
                           " WHERE contact_id = ? AND thread_id = ?"),
      contact_email(db, "SELECT email FROM contacts WHERE id = ?"),
      // One row per message of the contact's threads; facts() reads the contact's roles and
      // names from messages.people. No ORDER BY: sorting a handful of facts in C++ is cheaper.
      contact_facts(db,
                    "SELECT m.id, m.message_id, m.thread_id, m.date, m.direction, m.automation <> '',"
                    " m.from_email = ?1, m.people, m.subject, m.snippet"
                    " FROM contact_threads ct JOIN messages m ON m.thread_id = ct.thread_id"
                    " WHERE ct.contact_id = ?2"),
      contact_current(db, "SELECT stage, manual FROM contacts WHERE id = ?"),
      contact_update_activity(db,
                              "UPDATE contacts SET name = CASE WHEN ?1 <> '' THEN ?1 ELSE name END,"
                              " first_seen = ?2, last_inbound = ?3, last_outbound = ?4, last_message_at = ?5,"
                              " thread_count = ?6, inbound_count = ?7, outbound_count = ?8, needs_reply = ?9"
                              " WHERE id = ?10"),
      contact_rule_events(db,
                          "SELECT from_stage, to_stage, at, rule, thread_id, message_id FROM stage_events"
                          " WHERE contact_id = ? AND actor = 'rule' ORDER BY id"),
      contact_delete_rule_events(db, "DELETE FROM stage_events WHERE contact_id = ? AND actor = 'rule'"),
      contact_insert_rule_event(db,
                                "INSERT INTO stage_events(contact_id, from_stage, to_stage, at, actor, rule,"
                                " thread_id, message_id) VALUES (?, ?, ?, ?, 'rule', ?, ?, ?)"),
      contact_set_stage(db, "UPDATE contacts SET stage = ? WHERE id = ?"),
      pending_mark_thread(db,
                          "INSERT OR IGNORE INTO pending_evaluations(contact_id)"
                          " SELECT contact_id FROM contact_threads WHERE thread_id = ?") {}

}  // namespace prospectd::store
