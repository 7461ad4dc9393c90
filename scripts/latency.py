#!/usr/bin/env python3
"""Declared → findings in Slack: how long from a signed incident.io delivery to the Slack post of its findings.

Starts the real `inquest serve` (a release build) on loopback with a temp database, against the fault suite's fake
Slack and incident.io (scripts/faults/fake_providers.py), logs the worked example's changes, then sends N signed
`incident_created_v2` deliveries one after another, each waiting for its Slack post, and prints p50/p90/max of the
time from sending the delivery to the fake Slack receiving `chat.postMessage` for that incident's channel.

    python3 scripts/latency.py --bin .build/release/inquest [--count 50]
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "faults"))
from faults import Fakes, Server, Signer, percentile, request, wait_until, REPO  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    fakes = Fakes()
    fakes.start()
    server = Server(os.path.abspath(args.bin), tempfile.mkdtemp(prefix="inquest-latency-"), yaml=fakes.yaml())
    server.start()
    try:
        token = open(os.path.join(REPO, "vault-dev/secrets/changes-ingest-token")).read().strip()
        changes = open(os.path.join(REPO, "examples/changes.json")).read()
        status, _ = request(server.port, "POST", "/api/changes", changes,
                            {"authorization": f"Bearer {token}", "content-type": "application/json"})
        assert status in (200, 201), status
        signer = Signer()
        latencies = []
        for n in range(args.count):
            channel = f"CLAT{n:05d}"
            body, headers = signer.delivery(f"01LATENCY{n:017d}", channel=channel)
            started = time.time()
            status, _ = request(server.port, "POST", "/api/incident-io/webhook", body, headers)
            assert status == 202, status

            def posted():
                return [r for r in fakes.requests()
                        if r["path"].startswith("/slack/chat.postMessage") and channel in json.dumps(r)]
            assert wait_until(posted, 10, interval=0.002), f"no Slack post for {channel}"
            latencies.append((posted()[0]["time"] - started) * 1000)
        print(f"declared → Slack post over {len(latencies)} incidents: p50 {percentile(latencies, 0.5):.1f} ms, "
              f"p90 {percentile(latencies, 0.9):.1f} ms, max {max(latencies):.1f} ms")
    finally:
        server.stop()
        fakes.stop()


if __name__ == "__main__":
    main()
