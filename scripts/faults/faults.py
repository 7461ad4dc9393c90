#!/usr/bin/env python3
"""The fault suite: runs the real `inquest serve` binary on loopback against fake providers and breaks things.

    python3 scripts/faults/faults.py --bin PATH [--short] [--only NAME ...]

1. kill-during-load   kill -9 while signed deliveries pour in and investigations run; after a restart every 2xx
                      delivery is stored, every investigation completes, none completes twice.
2. kill-escalations   kill -9 while alerts wait for an ack; each unacknowledged alert pages exactly once at or
                      right after its due time (process up at the due time, and process down across it);
                      acknowledged ones never page.
3. provider-faults    fake providers answer 500, 429 + Retry-After, slower than the timeout, or refuse the
                      connection; every outbound message is delivered exactly once or is dead with its error, and
                      webhooks keep being answered fast meanwhile.
4. disk-full          the database's file system fills up: deliveries answer 503, never 2xx-and-lost; once space is
                      free again deliveries are stored.
Afterwards every log line written by the server is searched for every secret value it was given.
Prints one RESULT line per scenario; exits non-zero on the first broken promise.
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRETS = {  # handed to the server through env:// references; none may appear in a log line
    "FAULTS_SLACK_TOKEN": "xoxb-faults-slack-token-4f1c9a",
    "FAULTS_INCIDENT_IO_KEY": "inc-faults-api-key-77d2e0",
    "FAULTS_PD_KEY": "pd-faults-routing-key-91b3",
    "FAULTS_PD_INVALID": "pd-invalid-key",
}


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class Server:
    """One `inquest serve` process at a time, on a config of the scenario's; logs append to one file."""

    def __init__(self, binary, work, yaml="", database=None):
        self.binary, self.work = binary, work
        self.port = free_port()
        self.log_path = os.path.join(work, "serve.log")
        self.config_path = os.path.join(work, "inquest.yaml")
        self.database = database or os.path.join(work, "inquest.sqlite")
        self.process = None
        shutil.copytree(os.path.join(REPO, "vault-dev"), os.path.join(work, "vault-dev"))
        with open(self.config_path, "w") as f:
            f.write(f"host: 127.0.0.1\nport: {self.port}\npublic_host: http://127.0.0.1:{self.port}\n"
                    f"database: {self.database}\nvault_dev_path: {os.path.join(work, 'vault-dev')}\n"
                    f"log_level: info\n{yaml}")

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", self.config_path], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **SECRETS})
        check(wait_until(self.ready, 30), f"server did not become ready; see {self.log_path}")

    def ready(self):
        try:
            return request(self.port, "GET", "/readyz")[0] == 200
        except OSError:
            return False

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()

    def sql(self, query, *args):
        with sqlite3.connect(self.database, timeout=10) as db:
            return db.execute(query, args).fetchall()

    def logs(self):
        return open(self.log_path, errors="replace").read().splitlines()


def request(port, method, path, body=None, headers=None, connection=None, timeout=10):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, data
    finally:
        if own:
            connection.close()


class Signer:
    """Signs incident.io deliveries with the development webhook secret (Standard Webhooks)."""

    def __init__(self):
        secret = open(os.path.join(REPO, "vault-dev/secrets/incident-io-webhook-secret")).read().strip()
        raw = secret.removeprefix("whsec_")
        self.key = base64.b64decode(raw + "=" * (-len(raw) % 4))

    def delivery(self, incident_id, channel="C05CHECKOUT1", webhook_id=None, severity=("High", 2)):
        body = json.dumps({
            "event_type": "public_incident.incident_created_v2",
            "public_incident.incident_created_v2": {
                "id": incident_id, "reference": f"INC-{incident_id[-6:]}", "name": "High error rate on checkout service",
                "mode": "standard", "created_at": "2026-11-20T14:36:00.000000Z", "updated_at": "2026-11-20T14:36:00.000000Z",
                "severity": {"name": severity[0], "rank": severity[1]}, "incident_status": {"name": "Investigating", "category": "live"},
                "slack_channel_id": channel,
            },
        }, separators=(",", ":"))
        webhook_id = webhook_id or f"msg_{incident_id}"
        timestamp = str(int(time.time()))
        mac = hmac.new(self.key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
        headers = {"content-type": "application/json", "webhook-id": webhook_id, "webhook-timestamp": timestamp,
                   "webhook-signature": "v1," + base64.b64encode(mac).decode()}
        return body, headers


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0


# 1 ────────────────────────────────────────────────────────────────────────────────────────────────────────────────
def kill_during_load(binary, short):
    work = tempfile.mkdtemp(prefix="faults-load-")
    server = Server(binary, work, yaml="investigations: { enabled: true, concurrency: 2 }\n")
    signer = Signer()
    server.start()
    accepted, failed, lock, stop = [], [0], threading.Lock(), threading.Event()

    def client(worker):
        connection, n = None, 0
        while not stop.is_set():
            n += 1
            incident = f"01KILL{worker:02d}{n:018d}"
            body, headers = signer.delivery(incident)
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
                status, _ = request(server.port, "POST", "/api/incident-io/webhook", body, headers, connection)
                if 200 <= status < 300:
                    with lock:
                        accepted.append(incident)
            except OSError:
                connection = None
                with lock:
                    failed[0] += 1
                time.sleep(0.05)

    try:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(2 if short else 5)
        killed_with = len(accepted)
        server.kill9()  # mid-load: requests in flight, investigations running
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
        running_at_kill = server.sql("SELECT COUNT(*) FROM investigations WHERE status = 'running'")[0][0]
        queued_at_kill = server.sql("SELECT COUNT(*) FROM investigations WHERE status = 'queued'")[0][0]

        server.start()
        stored = {row[0] for row in server.sql("SELECT id FROM incidents")}
        missing = [i for i in accepted if i not in stored]
        check(not missing, f"{len(missing)} deliveries answered 2xx are not stored, e.g. {missing[:3]}")
        check(wait_until(lambda: server.sql(
            "SELECT COUNT(*) FROM investigations WHERE status IN ('queued', 'running')")[0][0] == 0, 120),
            "investigations did not all complete after the restart")
        counts = dict(server.sql("SELECT status, COUNT(*) FROM investigations GROUP BY status"))
    finally:
        stop.set()
        server.stop()
    done_lines = Counter(json.loads(line).get("investigation_id") for line in server.logs()
                         if '"investigation done"' in line)
    twice = [k for k, n in done_lines.items() if n > 1]
    check(counts.get("done", 0) == len(stored) and set(counts) == {"done"},
          f"investigations {counts} for {len(stored)} incidents")
    check(not twice, f"investigations completed twice: {twice[:5]}")
    print(f"RESULT kill-during-load answered_2xx={len(accepted)} (at kill: {killed_with}) stored={len(stored)} "
          f"connection_errors={failed[0]} running_at_kill={running_at_kill} queued_at_kill={queued_at_kill} "
          f"investigations_done={counts.get('done', 0)} completed_twice={len(twice)} lost=0 duplicated=0")
    return server.logs()


class Fakes:
    """scripts/faults/fake_providers.py in its own process, started when the scenario says (before that: refused)."""

    def __init__(self, mode="ok"):
        self.port, self.mode, self.process = free_port(), mode, None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "scripts/faults/fake_providers.py"), str(self.port), self.mode])
        check(wait_until(self.up, 10), "fake providers did not start")

    def up(self):
        try:
            return request(self.port, "GET", "/_requests")[0] == 200
        except OSError:
            return False

    def requests(self):
        return json.loads(request(self.port, "GET", "/_requests")[1])

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait()

    def yaml(self, wait_minutes=1):
        base = f"http://127.0.0.1:{self.port}"
        return f"""integrations:
  incident_io:
    api_key: env://FAULTS_INCIDENT_IO_KEY
    api_base_url: {base}/incidentio
  slack:
    token: env://FAULTS_SLACK_TOKEN
    api_base_url: {base}/slack
alert:
  slack:
    token: env://FAULTS_SLACK_TOKEN
    channel_id: CALERTS
    api_base_url: {base}/slack
oncall:
  wait_minutes: {wait_minutes}
  provider: pagerduty
  pagerduty:
    routing_key: env://FAULTS_PD_KEY
    events_url: {base}/pagerduty/v2/enqueue
    other_routing_keys: {{ bad: env://FAULTS_PD_INVALID }}
outbound:
  connect_timeout_seconds: 1
  request_timeout_seconds: 1
"""


ALERT = json.load(open(os.path.join(REPO, "Tests/InquestTests/Fixtures/alertmanager-firing.json")))
ALERT_TOKEN = open(os.path.join(REPO, "vault-dev/secrets/alertmanager-token")).read().strip()


def post_alert(server, group, query=""):
    # Each group its own alert, as Alertmanager sends them: the alert's labels and fingerprint differ per group.
    alerts = [dict(a, labels=dict(a.get("labels", {}), alertname=group),
                   fingerprint=hashlib.sha256(group.encode()).hexdigest()[:16]) for a in ALERT["alerts"]]
    body = dict(ALERT, groupKey=f"{{}}:{{alertname=\"{group}\"}}", groupLabels={"alertname": group}, alerts=alerts)
    status, data = request(server.port, "POST", "/api/incidents" + query, json.dumps(body),
                           {"content-type": "application/json", "authorization": f"Bearer {ALERT_TOKEN}"})
    check(status == 201, f"alert {group}: HTTP {status} {data[:200]}")
    answer = json.loads(data)
    return answer["incident_id"], answer.get("escalates_at")


def ack(server, fakes, incident):
    for r in fakes.requests():
        for block in r["body"].get("blocks", []):
            for element in block.get("elements", []):
                url = element.get("url", "")
                if f"/api/incidents/ack/{incident}?" in url:
                    parsed = urllib.parse.urlparse(url)
                    status, data = request(server.port, "POST", parsed.path + "?" + parsed.query, "by=faults",
                                           {"content-type": "application/x-www-form-urlencoded"})
                    check(status == 200, f"ack {incident}: HTTP {status} {data[:200]}")
                    return
    raise Failed(f"no ack link for {incident} in the Slack posts")


def epoch(rfc3339):
    from datetime import datetime
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


# 2 ────────────────────────────────────────────────────────────────────────────────────────────────────────────────
def kill_escalations(binary, short):
    work = tempfile.mkdtemp(prefix="faults-escalations-")
    fakes = Fakes()
    fakes.start()
    server = Server(binary, work, yaml=fakes.yaml(wait_minutes=1))
    try:
        server.start()
        # A: the process is killed, restarted at once, and is up when they fall due.
        a = [post_alert(server, f"FaultA{i}") for i in range(3)]
        check(wait_until(lambda: sum(r["path"].endswith("postMessage") for r in fakes.requests()) >= 3, 20),
              "alert posts did not reach Slack")
        ack(server, fakes, a[0][0])
        server.kill9()
        server.start()
        # B: posted, then the process is down across their due time (which is 8 s after A's).
        time.sleep(max(0, epoch(a[2][1]) - 60 + 8 - time.time()))
        b = [post_alert(server, f"FaultB{i}") for i in range(3)]
        check(wait_until(lambda: sum(r["path"].endswith("postMessage") for r in fakes.requests()) >= 6, 20),
              "alert posts did not reach Slack")
        ack(server, fakes, b[0][0])

        def triggers():
            return [r for r in fakes.requests() if r["provider"] == "pagerduty" and r["body"]["event_action"] == "trigger"]

        a_due = max(epoch(due) for _, due in a)
        check(wait_until(lambda: len(triggers()) >= 2, a_due - time.time() + 15), "A alerts did not page")
        # The second kill is meant to land while B waits, not between PagerDuty's answer and the commit that
        # records it (that resends with the same dedup key, which PagerDuty collapses; the Swift tests cover it).
        check(wait_until(lambda: server.sql("SELECT COUNT(*) FROM outbox_messages WHERE state = 'sending'")[0][0] == 0,
                         10), "A pages were never recorded as sent")
        b_due = min(epoch(due) for _, due in b)
        check(time.time() < b_due, f"B alerts fell due before the second kill; the scenario ran too slowly "
              f"(A due {a[1][1]}, B due {b[1][1]}, now {time.time() - a_due:+.1f} s after A's due time)")
        server.kill9()
        time.sleep(max(0, max(epoch(due) for _, due in b) - time.time()) + 3)
        restarted = time.time()
        server.start()
        check(wait_until(lambda: len(triggers()) >= 4, 20), "B alerts did not page after the restart")
        time.sleep(3)  # anything sent twice would arrive now
        pages = triggers()
        by_key = {}
        for r in pages:
            by_key.setdefault(r["body"]["dedup_key"], []).append(r["time"])
        expected = {a[1][0]: epoch(a[1][1]), a[2][0]: epoch(a[2][1]), b[1][0]: epoch(b[1][1]), b[2][0]: epoch(b[2][1])}
        check(set(by_key) == set(expected), f"paged {sorted(by_key)}, expected {sorted(expected)}")
        check(all(len(times) == 1 for times in by_key.values()), f"a page was sent twice: {by_key}")
        late = {}
        for key, (sent,) in by_key.items():
            check(sent >= expected[key] - 1, f"{key} paged {expected[key] - sent:.1f} s before its due time")
            late[key] = sent - max(expected[key], restarted if key in (b[1][0], b[2][0]) else 0)
        check(max(late.values()) < 5, f"pages late by {late}")
    finally:
        server.stop()
        fakes.stop()
    print(f"RESULT kill-escalations alerts=6 acknowledged=2 paged={len(pages)} paged_twice=0 "
          f"acknowledged_paged=0 lateness_max_s={max(late.values()):.1f} "
          f"(up at due time: {max(late[a[1][0]], late[a[2][0]]):.1f} s; down across it: after restart "
          f"{max(late[b[1][0]], late[b[2][0]]):.1f} s) lost=0 duplicated=0")
    return server.logs()


# 3 ────────────────────────────────────────────────────────────────────────────────────────────────────────────────
def provider_faults(binary, short):
    work = tempfile.mkdtemp(prefix="faults-providers-")
    fakes = Fakes(mode="chaos")
    server = Server(binary, work, yaml=fakes.yaml(wait_minutes=0))
    signer = Signer()
    latencies, statuses = [], []
    stop = threading.Event()

    def probe():  # low-severity deliveries: stored, not investigated, so they add no outbound messages
        n = 0
        while not stop.is_set():
            n += 1
            body, headers = signer.delivery(f"01PROBE{n:019d}", severity=("Low", 4))
            started = time.time()
            status, _ = request(server.port, "POST", "/api/incident-io/webhook", body, headers)
            latencies.append(time.time() - started)
            statuses.append(status)
            time.sleep(0.05)

    try:
        server.start()
        incidents = 4 if short else 10
        for i in range(incidents):
            body, headers = signer.delivery(f"01FAULT{i:019d}", channel=f"CF{i:03d}")
            check(request(server.port, "POST", "/api/incident-io/webhook", body, headers)[0] == 202, "delivery refused")
        body, headers = signer.delivery("01FAULTDEAD000000000000000", channel="CDEAD")
        check(request(server.port, "POST", "/api/incident-io/webhook", body, headers)[0] == 202, "delivery refused")
        alerts = 3 if short else 5
        for i in range(alerts):
            post_alert(server, f"FaultPage{i}", "?oncall_wait_minutes=0")
        post_alert(server, "FaultBadKey", "?oncall_wait_minutes=0&pagerduty_other_routing_key=bad")
        prober = threading.Thread(target=probe)
        prober.start()
        time.sleep(2)  # the providers refuse connections meanwhile
        fakes.start()

        def drained():
            return server.sql("SELECT COUNT(*) FROM outbox_messages WHERE state IN ('pending', 'sending')")[0][0] == 0
        check(wait_until(drained, 240, 1), "the outbox did not drain within 4 minutes")
        stop.set()
        prober.join()
        rows = server.sql("SELECT provider, state, last_error, attempts FROM outbox_messages")
        seen = fakes.requests()
    finally:
        stop.set()
        server.stop()
        fakes.stop()

    sent = [r for r in rows if r[1] == "sent"]
    dead = [r for r in rows if r[1] == "dead"]
    check(len(sent) + len(dead) == len(rows), f"outbox states: {sorted({r[1] for r in rows})}")
    reasons = sorted(r[2] or "" for r in dead)
    check(len(dead) == 2 and any("channel_not_found" in r for r in reasons) and any("HTTP 400" in r for r in reasons),
          f"dead letter should hold the CDEAD post and the invalid routing key page, holds {reasons}")
    applied = Counter((r["provider"], r["identity"]) for r in seen if r["applied"])
    family = {"slack": "slack", "slack_alert": "slack", "incident_io": "incident_io", "pagerduty": "pagerduty"}
    for provider in ("slack", "incident_io", "pagerduty"):
        expected = sum(1 for r in sent if family.get(r[0], r[0]) == provider)
        got = sum(1 for (p, _) in applied if p == provider)
        check(expected == got, f"{provider}: {expected} messages sent, {got} applied")
    duplicate_posts = [k for k, n in applied.items() if k[0] == "slack" and k[1].startswith("post:") and n > 1]
    check(not duplicate_posts, f"Slack posts applied twice: {duplicate_posts}")
    resent_by_key = sum(n - 1 for k, n in applied.items() if k[0] != "slack")
    faults = dict(Counter(r["fault"] or ("dead" if r["dead"] else "ok") for r in seen))
    refused = sum(r[3] for r in rows) - len(seen)  # attempts that never reached a provider
    check(statuses and all(200 <= s < 300 for s in statuses), f"webhook answers during faults: {set(statuses)}")
    p99 = percentile(latencies, 0.99)
    check(max(latencies) < 1, f"a webhook took {max(latencies):.2f} s while providers failed")
    print(f"RESULT provider-faults messages={len(rows)} sent={len(sent)} dead={len(dead)} ({'; '.join(reasons)}) "
          f"provider_answers={faults} refused_attempts={refused} resent_and_deduplicated_by_key={resent_by_key} "
          f"webhooks_meanwhile={len(statuses)} all_2xx p50={statistics.median(latencies) * 1000:.1f}ms "
          f"p99={p99 * 1000:.1f}ms max={max(latencies) * 1000:.1f}ms lost=0 duplicated=0")
    return server.logs()


# 4 ────────────────────────────────────────────────────────────────────────────────────────────────────────────────
def disk_full(binary, short):
    work = tempfile.mkdtemp(prefix="faults-disk-")
    mount = os.path.join(work, "db")
    os.makedirs(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount], capture_output=True).returncode != 0:
        print("RESULT disk-full SKIPPED: mounting a small tmpfs needs root (CAP_SYS_ADMIN)")
        return []
    server = Server(binary, work, yaml="investigations: { enabled: false }\n",
                    database=os.path.join(mount, "inquest.sqlite"))
    signer = Signer()
    accepted, refused = [], []

    def deliver(incident):
        body, headers = signer.delivery(incident)
        status, data = request(server.port, "POST", "/api/incident-io/webhook", body, headers)
        check(status in (202, 503), f"HTTP {status} {data[:200]} while the disk was full")
        (accepted if status == 202 else refused).append(incident)
        return status

    try:
        server.start()
        for i in range(20):
            deliver(f"01DISKOK{i:018d}")
        subprocess.run(["dd", "if=/dev/zero", f"of={mount}/filler", "bs=64k"], capture_output=True)
        n = 0
        while len(refused) < 20 and n < 2000:
            deliver(f"01DISKFULL{n:016d}")
            n += 1
        check(refused, "no delivery was refused while the disk was full")
        error_body = json.loads(request(server.port, "POST", "/api/incident-io/webhook",
                                        *signer.delivery("01DISKPROBE000000000000000"))[1])
        accepted_while_full = len(accepted) - 20
        os.remove(f"{mount}/filler")
        check(wait_until(lambda: deliver(f"01DISKBACK{time.time_ns()}") == 202, 15), "no recovery after freeing space")
        retried = list(refused)
        refused.clear()
        for incident in retried:  # the sender retries what was refused
            deliver(incident)
        check(not refused, "deliveries retried after recovery were refused")
        stored = {row[0] for row in server.sql("SELECT id FROM incidents")}
        missing = [i for i in accepted if i not in stored]
        check(not missing, f"{len(missing)} deliveries answered 202 are not stored")
    finally:
        server.stop()
        subprocess.run(["umount", "-l", mount], capture_output=True)
    print(f"RESULT disk-full answered_503={len(retried)} error={error_body.get('error')!r} "
          f"accepted_while_full={accepted_while_full} (stored) recovered=yes retried_and_stored={len(retried)} "
          f"lost=0 duplicated=0")
    return server.logs()


def api_conformance(binary, short):
    """schemathesis generates requests from /openapi.json against a live server with every integration on: no
    input may get a 5xx, and every answer must be one the document lists, with its content type and schema."""
    work = tempfile.mkdtemp(prefix="inquest-faults-api-")
    server = Server(binary, work, yaml=(
        "alert:\n  slack:\n    token: env://FAULTS_SLACK_TOKEN\n    channel_id: C0ALERTS\n"
        "    signing_secret: vault://secrets/slack-signing-secret\n"
        "integrations:\n  incident_io:\n    api_key: env://FAULTS_INCIDENT_IO_KEY\n"
        "changes:\n  sources:\n    github: {secrets: [vault://secrets/github-webhook-secret]}\n"
        "    gitlab: {secrets: [vault://secrets/gitlab-webhook-secret]}\n"))
    with open(os.path.join(work, "vault-dev/secrets/slack-signing-secret"), "w") as f:
        f.write("faults-slack-signing-secret")
    server.start()
    try:
        admin = open(os.path.join(work, "vault-dev/secrets/admin-token")).read().strip()
        examples = "10" if short else "50"
        run = subprocess.run(
            ["schemathesis", "run", f"http://127.0.0.1:{server.port}/openapi.json",
             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
             "response_schema_conformance,response_headers_conformance",
             "--max-examples", examples, "--generation-deterministic", "--header", f"Authorization: Bearer {admin}"],
            capture_output=True, text=True, timeout=900)
        summary = [line for line in run.stdout.splitlines() if "generated" in line or "failure" in line]
        check(run.returncode == 0, f"schemathesis found problems:\n{run.stdout[-4000:]}")
        server_errors = [line for line in server.logs() if '"status":5' in line]
        check(not server_errors, f"{len(server_errors)} requests answered 5xx, e.g. {server_errors[:1]}")
        print(f"RESULT api-conformance {summary[-1].strip() if summary else 'passed'} server_errors=0")
    finally:
        server.stop()
    return server.logs()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    scenarios = {"kill-during-load": kill_during_load, "kill-escalations": kill_escalations,
                 "provider-faults": provider_faults, "disk-full": disk_full, "api-conformance": api_conformance}
    logs = []
    try:
        for name, scenario in scenarios.items():
            if args.only and name not in args.only:
                continue
            print(f"== {name}", flush=True)
            logs += scenario(os.path.abspath(args.bin), args.short)
        leaked = [line for line in logs for secret in SECRETS.values() if secret in line]
        vault = os.path.join(REPO, "vault-dev/secrets")
        for name in os.listdir(vault):
            value = open(os.path.join(vault, name)).read().strip()
            leaked += [line for line in logs if value and value in line]
        check(not leaked, f"a secret appears in {len(leaked)} log lines, e.g. {leaked[:1]}")
        print(f"RESULT secrets-in-logs lines_checked={len(logs)} leaked=0")
    except Failed as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
