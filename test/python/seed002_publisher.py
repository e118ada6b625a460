#!/usr/bin/env python3
"""
A Python producer written for the tests: publishes events the way seed 002's `RedisStreamsPublisher.publish_event`
does (every payload key its own field, dicts and lists as JSON, everything else `str(v)`; without its MAXLEN
trimming), with redis-py and `decode_responses=True`. Prints one JSON line: `{"published": [{"id", "payload"}…]}`.
"""

import argparse
import json
import sys
import uuid

import redis


def publish_event(client, stream, payload):
    serialized_payload = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in payload.items()}
    return client.xadd(stream, serialized_payload)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()

    client = redis.Redis.from_url(args.url, decode_responses=True)
    published = []
    for i in range(args.count):
        payload = {
            "email_id": f"py-{i}-{uuid.uuid4().hex[:8]}",
            "category": "medical",
            "priority": "high",
            "has_attachments": i % 2 == 0,
            "labels": ["inbox", f"n{i}"],
        }
        published.append({"id": publish_event(client, args.stream, payload), "payload": payload})
    print(json.dumps({"published": published}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
