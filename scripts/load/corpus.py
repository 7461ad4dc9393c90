#!/usr/bin/env python3
"""Writes a corpus of signed incident.io deliveries for scripts/load.sh: one request per line, as
`webhook-id<TAB>webhook-timestamp<TAB>webhook-signature<TAB>body`. Each has a unique webhook-id and incident id,
so every 2xx answer must leave exactly one stored incident."""
import base64, hashlib, hmac, json, sys, time

count, secret_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secret = open(secret_file).read().strip()
key = base64.b64decode(secret.removeprefix("whsec_") + "=" * (-len(secret.removeprefix("whsec_")) % 4))
timestamp = str(int(time.time()))
with open(out, "w") as f:
    for i in range(count):
        body = json.dumps({
            "event_type": "public_incident.incident_created_v2",
            "public_incident.incident_created_v2": {
                "id": f"01LOAD{i:020d}", "reference": f"INC-{i}", "name": "High error rate on checkout service",
                "mode": "standard", "created_at": "2026-11-20T14:36:00.000000Z",
                "updated_at": "2026-11-20T14:36:00.000000Z",
                "severity": {"name": "High", "rank": 2}, "incident_status": {"name": "Investigating", "category": "live"},
                "slack_channel_id": "C05CHECKOUT1",
            },
        }, separators=(",", ":"))
        webhook_id = f"msg_load_{i}"
        mac = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
        f.write(f"{webhook_id}\t{timestamp}\tv1,{base64.b64encode(mac).decode()}\t{body}\n")
