#!/usr/bin/env python3
"""
A Python consumer written for the tests: reads a stream in a consumer group the way the seed's services do
(redis-py, `decode_responses=True`, XREADGROUP `>`), parses every entry with the seed's field contract
(seed_contract.py) and XACKs what it parsed. An entry it cannot parse is reported and left pending, as the seed
leaves it. One JSON line per entry on stdout (`{"ok": …}` or `{"bad": …}`), then one `{"summary": …}` line.

Stops once `--expect` entries were seen (parsed or not) or at `--timeout` seconds. Exit status: 0 when every entry
seen was parsed and at least `--expect` were seen; 1 when any entry could not be parsed; 2 at the deadline.
"""

import argparse
import json
import sys
import time

import redis

from seed_contract import PARSERS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--consumer", default="py-test")
    parser.add_argument("--kind", choices=sorted(PARSERS), required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()

    client = redis.Redis.from_url(args.url, decode_responses=True)
    try:
        client.xgroup_create(args.stream, args.group, id="0", mkstream=True)
    except redis.exceptions.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise

    parse = PARSERS[args.kind]
    deadline = time.monotonic() + args.timeout
    ok = 0
    bad = 0
    while ok + bad < args.expect and time.monotonic() < deadline:
        messages = client.xreadgroup(
            groupname=args.group,
            consumername=args.consumer,
            streams={args.stream: ">"},
            count=10,
            block=200,
        )
        for _stream, stream_messages in messages or []:
            for message_id, message_data in stream_messages:
                try:
                    parsed = parse(message_id, message_data)
                except Exception as error:  # the seed logs and leaves the entry pending: so do we, and report it
                    bad += 1
                    fields = sorted(message_data)
                    print(json.dumps({"bad": message_id, "error": f"{type(error).__name__}: {error}", "fields": fields}))
                    continue
                client.xack(args.stream, args.group, message_id)
                ok += 1
                print(json.dumps({"ok": parsed}))
        sys.stdout.flush()

    print(json.dumps({"summary": {"ok": ok, "bad": bad, "expect": args.expect}}))
    sys.stdout.flush()
    if bad > 0:
        return 1
    if ok < args.expect:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
