#!/usr/bin/env python3
"""Fake Slack, incident.io and PagerDuty for scripts/faults.py, on one loopback port.

Every request is recorded with the identity of the message it carries, so the fault suite can count what each
provider received and what it applied:
  - incident.io API:      the `idempotency_key` (incident.io applies a key once)
  - incident.io alerts:   `deduplication_key` + `status` (one alert per key)
  - PagerDuty:            `dedup_key` + `event_action` (one incident per key)
  - Slack chat.update:    channel + ts + body (an edit repeated is the same edit)
  - Slack chat.postMessage has no key: its identity is channel + body, and a second one applied is a duplicate post.

In `chaos` mode the first attempts of every message fail in turn: 500, 429 with Retry-After: 1, and (for the
providers with keys) a response slower than Inquest's timeout that is applied anyway, as a real provider would.
Slack gets 500, `ok: false, error: ratelimited` and 503 instead of the slow answer: Slack has no idempotency key,
so a post that times out after Slack kept it can be posted twice, and no client can tell. Refused connections are
produced by starting this server late. The channel `CDEAD` answers `channel_not_found` and the routing key
`pd-invalid-key` answers 400: both must end in the dead letter, never applied.

    python3 fake_providers.py PORT [chaos|ok]        GET /_requests returns every recorded request as JSON.
"""
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
requests = []
attempts = {}
posts = 0
mode = sys.argv[2] if len(sys.argv) > 2 else "ok"
SLOW_SECONDS = 2.5


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def identify(path, body):
    """(provider, identity, dead reason or None)"""
    if path.startswith("/slack/chat.postMessage"):
        dead = "channel_not_found" if body.get("channel") == "CDEAD" else None
        return "slack", "post:" + digest([body.get("channel"), body.get("text"), body.get("blocks")]), dead
    if path.startswith("/slack/chat.update"):
        return "slack", "update:" + digest([body.get("channel"), body.get("ts"), body.get("text"), body.get("blocks")]), None
    if path.startswith("/pagerduty/"):
        dead = "invalid routing key" if body.get("routing_key") == "pd-invalid-key" else None
        return "pagerduty", f"{body.get('dedup_key')}:{body.get('event_action')}", dead
    if path.startswith("/incidentio/v2/alert_events/"):
        return "incident_io_alerts", f"{body.get('deduplication_key')}:{body.get('status')}", None
    if path.startswith("/incidentio/"):
        return "incident_io", body.get("idempotency_key") or digest(body), None
    return "unknown", digest([path, body]), None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): the provider applied the request all the same

    def do_GET(self):
        if self.path == "/_requests":
            with lock:
                return self.answer(200, requests)
        self.answer(404, {"error": "not found"})

    def do_POST(self):
        global posts
        length = int(self.headers.get("content-length", 0))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.answer(400, {"error": "invalid json"})
        provider, identity, dead = identify(self.path, body)
        with lock:
            attempt = attempts[identity] = attempts.get(identity, 0) + 1
        fault = None
        if mode == "chaos" and not dead and attempt <= 3:
            fault = ["500", "429", "slow" if provider != "slack" else "503"][attempt - 1]
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        applied = dead is None and fault in (None, "slow")
        ts = None
        with lock:
            requests.append({
                "time": time.time(), "provider": provider, "path": self.path, "identity": identity, "attempt": attempt,
                "fault": fault, "dead": dead, "applied": applied, "body": body,
            })
            if provider == "slack" and applied and self.path.endswith("postMessage"):
                posts += 1
                ts = f"1700000000.{posts:06d}"
        if dead and provider == "slack":
            return self.answer(200, {"ok": False, "error": dead})
        if dead:
            return self.answer(400, {"status": "invalid event", "message": "Event object is invalid", "errors": [dead]})
        if fault == "500":
            return self.answer(500, {"error": "internal"})
        if fault == "503":
            return self.answer(503, {"ok": False, "error": "service_unavailable"})
        if fault == "429":
            if provider == "slack":
                return self.answer(429, {"ok": False, "error": "ratelimited"}, [("Retry-After", "1")])
            return self.answer(429, {"error": "rate limited"}, [("Retry-After", "1")])
        if provider == "slack":
            channel = body.get("channel", "")
            return self.answer(200, {"ok": True, "channel": channel, "ts": body.get("ts") or ts})
        if provider == "pagerduty":
            return self.answer(202, {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key")})
        if provider == "incident_io_alerts":
            return self.answer(202, {"status": "success", "deduplication_key": body.get("deduplication_key")})
        return self.answer(201, {"ok": True})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
