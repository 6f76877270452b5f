"""Webhooks of the team's pipeline (ARCHITECTURE.md "Team and webhooks"), end to end: rep alice's
daemon on a real Dovecot mailbox and PostgreSQL (test_team.TeamTestCase) delivering to a webhook
receiver that fails, closes connections and stalls, and a daemon killed -9 ten times mid-stream.
Every event must arrive exactly once in effect (by delivery id), signed, in order per contact.
"""

import random
import time
import unittest

import harness
from test_team import WEBHOOK_SECRET, TeamTestCase, event_tuple, stage_history
from webhook_receiver import WebhookReceiver


class WebhookTest(TeamTestCase):
    def setUp(self):
        super().setUp()
        self.receiver = WebhookReceiver(WEBHOOK_SECRET).start()
        self.addCleanup(self.receiver.stop)

    def assert_every_event_arrived_once_in_order(self, app):
        history = stage_history(app)
        self.assertGreater(len(history), 50)
        deliveries = self.receiver.deliveries()
        self.assertTrue(all(d.signature_ok for d in deliveries))
        in_effect = self.receiver.events_in_effect()
        # Exactly once in effect: one delivery id per event, and every event has one.
        def order(event):
            return tuple("" if value is None else str(value) for value in event)
        arrived = sorted((event_tuple(body) for body in in_effect.values()), key=order)
        self.assertEqual(arrived, sorted((tuple(row) for row in history), key=order))
        self.assertEqual(len(set(arrived)), len(arrived))
        for delivery_id, body in in_effect.items():
            self.assertEqual(body["id"], delivery_id)
            self.assertEqual(body["type"], "contact_created" if body["from"] is None else "stage_changed")
        # In order per contact: first arrivals follow each contact's history.
        first_arrival = []
        seen = set()
        for delivery in deliveries:
            if delivery.status is not None and 200 <= delivery.status < 300 and delivery.delivery_id not in seen:
                seen.add(delivery.delivery_id)
                first_arrival.append(event_tuple(delivery.json))
        for email in set(row[0] for row in history):
            expected = [tuple(row) for row in history if row[0] == email]
            got = [event for event in first_arrival if event[0] == email]
            self.assertEqual(got, expected, email)

    def test_webhooks_deliver_the_whole_history_through_failures_closes_and_stalls(self):
        alice = self.make_app("alice", self.alice_dovecot, webhook_url=self.receiver.url)
        alice.run("sync")
        self.receiver.set_mode("fail_then_ok", 3)
        daemon = self.start_daemon(alice)
        self.assertTrue(harness.wait_for(lambda: len(self.receiver.delivered_ids()) > 20, 60))
        self.receiver.set_mode("close")
        time.sleep(2)
        self.receiver.set_mode("stall", 4)  # past the 2 s timeout
        time.sleep(5)
        self.receiver.set_mode("ok")
        status = self.wait_outbox_empty(alice, timeout=180)
        self.assertEqual(status["outbox"]["failed"], 0)
        statuses = set(d.status for d in self.receiver.deliveries())
        self.assertTrue({500, None, 200} <= statuses, statuses)
        self.assert_every_event_arrived_once_in_order(alice)
        # A later change is sent as it happens, signed, with the contact as the API shows it.
        contact = next(c for c in self.contacts(alice) if c["stage"] == "prospect")
        daemon.request("POST", "/api/contacts/%s/stage" % contact["email"], body={"stage": "customer", "note": "won"},
                       headers={"Content-Type": "application/json"})
        self.assertTrue(harness.wait_for(
            lambda: any(b["to"] == "customer" and b["contact"]["email"] == contact["email"]
                        for b in self.receiver.events_in_effect().values()), 30))
        event = next(b for b in self.receiver.events_in_effect().values()
                     if b["to"] == "customer" and b["contact"]["email"] == contact["email"])
        self.assertEqual((event["from"], event["actor"], event["note"]), ("prospect", "user", "won"))
        self.assertEqual(event["contact"]["stage"], "customer")
        self.assert_every_event_arrived_once_in_order(alice)

    def test_kill9_during_publishing_loses_and_duplicates_nothing(self):
        alice = self.make_app("alice", self.alice_dovecot, webhook_url=self.receiver.url)
        alice.run("sync")
        self.receiver.set_mode("stall", 0.02)  # deliveries take a while, so kills land mid-stream
        port = harness.free_port()
        with open(alice.config, encoding="utf-8") as f:
            text = f.read()
        with open(alice.config, "w", encoding="utf-8") as f:
            f.write(text.replace("[team]", '[http]\nlisten = "127.0.0.1:%d"\n\n[team]' % port, 1))
        rng = random.Random(7)
        leads = [c["email"] for c in self.contacts(alice) if c["stage"] == "lead"]
        for round_number in range(10):
            process = alice.spawn("run")
            time.sleep(rng.uniform(0.8, 2.5))
            harness.kill9(process)
            # Changes between the crashes, made by another process: they must reach both targets.
            alice.run("stage", leads[round_number], "prospect" if round_number % 2 else "disqualified",
                      "--note", "round %d" % round_number)
        self.assertGreater(len(self.receiver.delivered_ids()), 0)
        self.receiver.set_mode("ok")
        daemon = harness.Daemon(alice, port).start()
        self.addCleanup(daemon.stop)
        self.wait_outbox_empty(alice, timeout=240)
        self.assert_every_event_arrived_once_in_order(alice)
        self.assert_team_view_is_union({"alice": alice})


if __name__ == "__main__":
    unittest.main()
