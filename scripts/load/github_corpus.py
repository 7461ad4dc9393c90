#!/usr/bin/env python3
"""Writes a corpus of signed GitHub `deployment_status` deliveries for scripts/load-changes.sh, in the line format
scripts/load/requests.lua reads (path, headers, body). Each body is
Tests/InquestTests/Fixtures/changes/github-deployment_status-success.json (about 13 KB compact, as GitHub sends it)
with its own deployment and status ids, so every answer 201 must leave exactly one stored change."""
import hashlib, hmac, json, os, sys, uuid

count, secret_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secret = open(secret_file).read().strip().encode()
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "../../Tests/InquestTests/Fixtures/changes/github-deployment_status-success.json")
template = json.load(open(fixture))
with open(out, "w") as f:
    for i in range(count):
        template["deployment"]["id"] = 4_000_000_000 + i
        template["deployment_status"]["id"] = 9_000_000_000 + i
        body = json.dumps(template, separators=(",", ":"))
        signature = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        headers = ["Content-Type: application/json", "X-GitHub-Event: deployment_status",
                   f"X-GitHub-Delivery: {uuid.uuid4()}", f"X-Hub-Signature-256: {signature}"]
        f.write(f"/api/changes/github\t{chr(31).join(headers)}\t{body}\n")
