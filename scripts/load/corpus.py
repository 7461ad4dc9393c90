#!/usr/bin/env python3
"""Writes a corpus of signed incident.io deliveries for scripts/load.sh, in the line format scripts/load/requests.lua
reads (path, headers, body). Each body is the realistic delivery of
Tests/InquestTests/Fixtures/incident-created.json (custom fields, creator, timestamps; about 2.4 KB compact) with its
own incident id and reference, and each has a unique webhook-id, so every 2xx answer must leave exactly one stored
incident."""
import base64, hashlib, hmac, json, os, sys, time

count, secret_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secret = open(secret_file).read().strip()
key = base64.b64decode(secret.removeprefix("whsec_") + "=" * (-len(secret.removeprefix("whsec_")) % 4))
timestamp = str(int(time.time()))
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../Tests/InquestTests/Fixtures/incident-created.json")
template = json.load(open(fixture))
event = template["event_type"]
with open(out, "w") as f:
    for i in range(count):
        template[event]["id"] = f"01LOAD{i:020d}"
        template[event]["reference"] = f"INC-{i}"
        body = json.dumps(template, separators=(",", ":"))
        webhook_id = f"msg_load_{i}"
        mac = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
        headers = ["Content-Type: application/json", f"webhook-id: {webhook_id}", f"webhook-timestamp: {timestamp}",
                   f"webhook-signature: v1,{base64.b64encode(mac).decode()}"]
        f.write(f"/api/incident-io/webhook\t{chr(31).join(headers)}\t{body}\n")
