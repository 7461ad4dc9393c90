#!/usr/bin/env python3
"""Checks a request body Inquest sends against the vendor's own published schema.

    python3 scripts/vendor_contract.py KIND BODY.json

KIND: pagerduty-event, incident-io-timeline-item, incident-io-update, incident-io-attachment,
incident-io-alert-event, slack-message. The schemas are copies of the vendors' documents, kept in
Tests/InquestTests/Fixtures/vendor-schemas/ (see its README for where each came from). Prints every
violation and exits 1 when there is one.
"""
import json
import os
import sys

import jsonschema
from referencing import Registry, Resource

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "Tests", "InquestTests", "Fixtures", "vendor-schemas")

KINDS = {
    "pagerduty-event": ("pagerduty-events-v2-openapiv3.json",
                        "/paths/~1enqueue/post/requestBody/content/application~1json/schema"),
    "incident-io-timeline-item": ("incident-io-openapi-subset.json",
                                  "/components/schemas/IncidentTimelineItemsCreatePayloadV2"),
    "incident-io-update": ("incident-io-openapi-subset.json", "/components/schemas/IncidentUpdatesCreatePayloadV2"),
    "incident-io-attachment": ("incident-io-openapi-subset.json",
                               "/components/schemas/IncidentAttachmentsCreatePayloadV1"),
    "incident-io-alert-event": ("incident-io-openapi-subset.json",
                                "/components/schemas/AlertEventsCreateHTTPPayloadV2"),
}


def load(name):
    with open(os.path.join(SCHEMAS, name)) as f:
        return json.load(f)


def schema_errors(kind, body):
    name, pointer = KINDS[kind]
    document = load(name)
    uri = "urn:vendor:" + name
    registry = Registry().with_resource(uri, Resource.opaque(document))
    validator = jsonschema.Draft202012Validator(
        {"$ref": uri + "#" + pointer}, registry=registry, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(body)]


def pagerduty_limits(body):
    """Limits PagerDuty documents beside the schema (developer-docs, Trigger Events)."""
    problems = []
    if len(body.get("dedup_key", "")) > 255:
        problems.append("dedup_key: longer than 255 characters")
    payload = body.get("payload")
    if body.get("event_action") == "trigger":
        if not isinstance(payload, dict):
            problems.append("payload: required on trigger")
        elif len(payload.get("summary", "")) > 1024:
            problems.append("payload.summary: longer than 1024 characters")
    return problems


def slack_message(body):
    limits = load("slack-block-kit-limits.json")
    problems = []
    if not isinstance(body.get("channel"), str) or not body["channel"]:
        problems.append("channel: required")
    if "text" not in body and "blocks" not in body:
        problems.append("needs text or blocks")
    if isinstance(body.get("text"), str) and len(body["text"]) > limits["message"]["text_truncated_after"]:
        problems.append("text: longer than Slack keeps")
    blocks = body.get("blocks", [])
    if len(blocks) > limits["message"]["max_blocks"]:
        problems.append(f"blocks: {len(blocks)} blocks, at most {limits['message']['max_blocks']}")

    def text_of(obj, where, maximum):
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            problems.append(f"{where}: needs a text object")
            return
        n = len(obj["text"])
        if n < limits["text_object"]["min"] or n > maximum:
            problems.append(f"{where}: text of {n} characters, allowed {limits['text_object']['min']}..{maximum}")

    for i, block in enumerate(blocks):
        kind = block.get("type")
        where = f"blocks[{i}] ({kind})"
        if kind == "header":
            text_of(block.get("text"), where, limits["header"]["text_max"])
            if block.get("text", {}).get("type") != "plain_text":
                problems.append(f"{where}: header text must be plain_text")
        elif kind == "section":
            if "text" in block:
                text_of(block["text"], where, limits["section"]["text_max"])
            for j, field in enumerate(block.get("fields", [])):
                text_of(field, f"{where}.fields[{j}]", limits["section"]["field_text_max"])
            if len(block.get("fields", [])) > limits["section"]["fields_max_items"]:
                problems.append(f"{where}: too many fields")
        elif kind == "context":
            elements = block.get("elements", [])
            if len(elements) > limits["context"]["elements_max"]:
                problems.append(f"{where}: too many elements")
            for j, element in enumerate(elements):
                text_of(element, f"{where}.elements[{j}]", limits["text_object"]["max"])
        elif kind == "actions":
            elements = block.get("elements", [])
            if len(elements) > limits["actions"]["elements_max"]:
                problems.append(f"{where}: too many elements")
            for j, element in enumerate(elements):
                if element.get("type") == "button":
                    text_of(element.get("text"), f"{where}.elements[{j}]", limits["button"]["text_max"])
                    if len(element.get("value", "")) > limits["button"]["value_max"]:
                        problems.append(f"{where}.elements[{j}]: value too long")
                    if len(element.get("url", "")) > limits["button"]["url_max"]:
                        problems.append(f"{where}.elements[{j}]: url too long")
                    if element.get("style") not in (None, *limits["button"]["style"]):
                        problems.append(f"{where}.elements[{j}]: style {element.get('style')!r}")
        else:
            problems.append(f"{where}: block type Inquest does not send")
    return problems


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        body = json.load(f)
    if kind == "slack-message":
        problems = slack_message(body)
    else:
        problems = schema_errors(kind, body)
        if kind == "pagerduty-event":
            problems += pagerduty_limits(body)
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
