"""The test webhook receiver (webhook_receiver.py) against urllib: records and signature checks,
and every mode (ok, fail, fail_then_ok, close, stall, redirect, huge). Quick: no prospectd."""
import hashlib
import hmac
import http.client
import json
import socket
import time
import unittest
import urllib.error
import urllib.request

from webhook_receiver import HUGE_BODY_BYTES, WebhookReceiver

SECRET = "whsec-self-test"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx surfaces as HTTPError


OPENER = urllib.request.build_opener(NoRedirects)


def post(url, body, delivery_id="dlv-1", event="stage_changed", secret=SECRET, timeout=5):
    """POSTs like prospectd does; returns (status, response) — response open for huge bodies."""
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": "prospectd/test",
        "X-Prospectd-Event": event,
        "X-Prospectd-Delivery": delivery_id,
        "X-Prospectd-Signature": "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest(),
    })
    try:
        response = OPENER.open(request, timeout=timeout)
        return response.status, response
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, None


class WebhookReceiverTest(unittest.TestCase):
    def setUp(self):
        self.receiver = WebhookReceiver(SECRET).start()

    def tearDown(self):
        self.receiver.stop()

    def test_ok_records_the_delivery_and_verifies_the_signature(self):
        started = time.monotonic()
        status, response = post(self.receiver.url, {"type": "stage_changed", "to": "customer"})
        response.read()
        self.assertEqual(status, 200)
        [delivery] = self.receiver.deliveries()
        self.assertEqual(delivery.delivery_id, "dlv-1")
        self.assertEqual(delivery.event, "stage_changed")
        self.assertEqual(delivery.json, {"type": "stage_changed", "to": "customer"})
        self.assertEqual(delivery.body, json.dumps({"type": "stage_changed", "to": "customer"}).encode())
        self.assertTrue(delivery.signature_ok)
        self.assertGreaterEqual(delivery.arrived, started)
        self.assertEqual(self.receiver.delivered_ids(), ["dlv-1"])
        self.assertEqual(self.receiver.events_in_effect(), {"dlv-1": {"type": "stage_changed", "to": "customer"}})

    def test_a_wrong_signature_is_recorded_as_such(self):
        post(self.receiver.url, {"a": 1}, secret="not the secret")[1].read()
        self.assertFalse(self.receiver.deliveries()[0].signature_ok)

    def test_fail_answers_500_and_counts_as_not_delivered(self):
        self.receiver.set_mode("fail")
        self.assertEqual(post(self.receiver.url, {"a": 1})[0], 500)
        self.assertEqual(len(self.receiver.deliveries()), 1)
        self.assertEqual(self.receiver.deliveries()[0].status, 500)
        self.assertEqual(self.receiver.delivered_ids(), [])

    def test_fail_then_ok_fails_n_times_then_accepts(self):
        self.receiver.set_mode("fail_then_ok", 2)
        statuses = [post(self.receiver.url, {"n": n}, delivery_id="dlv-%d" % (n // 3))[0] for n in range(4)]
        self.assertEqual(statuses, [500, 500, 200, 200])
        self.assertEqual(self.receiver.delivered_ids(), ["dlv-0", "dlv-1"])
        self.assertEqual(self.receiver.events_in_effect(), {"dlv-0": {"n": 2}, "dlv-1": {"n": 3}})

    def test_close_drops_the_connection_without_an_answer(self):
        self.receiver.set_mode("close")
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            post(self.receiver.url, {"a": 1})
        [delivery] = self.receiver.deliveries()
        self.assertIsNone(delivery.status)
        self.assertEqual(self.receiver.delivered_ids(), [])

    def test_stall_answers_late(self):
        self.receiver.set_mode("stall", 1.0)
        with self.assertRaises((socket.timeout, TimeoutError, urllib.error.URLError)):
            post(self.receiver.url, {"a": 1}, timeout=0.3)
        self.assertEqual(len(self.receiver.deliveries()), 1)  # seen while stalling
        started = time.monotonic()
        status, response = post(self.receiver.url, {"a": 2}, delivery_id="dlv-2", timeout=5)
        response.read()
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_redirect_points_elsewhere(self):
        self.receiver.set_mode("redirect", "http://127.0.0.1:9/elsewhere")
        self.assertEqual(post(self.receiver.url, {"a": 1})[0], 302)
        self.assertEqual(self.receiver.deliveries()[0].status, 302)
        self.assertEqual(self.receiver.delivered_ids(), [])

    def test_huge_answers_200_with_a_big_body_a_client_may_stop_reading(self):
        self.receiver.set_mode("huge")
        status, response = post(self.receiver.url, {"a": 1})
        self.assertEqual(status, 200)
        self.assertEqual(int(response.headers["Content-Length"]), HUGE_BODY_BYTES)
        self.assertEqual(len(response.read(65536)), 65536)
        response.close()
        self.assertEqual(self.receiver.delivered_ids(), ["dlv-1"])
        self.receiver.set_mode("ok")
        post(self.receiver.url, {"a": 2}, delivery_id="dlv-2")[1].read()  # still serving

    def test_modes_are_checked(self):
        with self.assertRaises(ValueError):
            self.receiver.set_mode("sometimes")
        with self.assertRaises(ValueError):
            self.receiver.set_mode("stall")

    def test_context_manager_stops(self):
        with WebhookReceiver(SECRET) as other:
            url = other.url
            post(url, {"a": 1})[1].read()
        self.assertFalse(other.alive())
        with self.assertRaises(urllib.error.URLError):
            post(url, {"a": 1}, timeout=2)


if __name__ == "__main__":
    unittest.main()
