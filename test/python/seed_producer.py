#!/usr/bin/env python3
"""
A Python producer written for the tests: writes tasks and events exactly as the seed's client does (seed 000
`add_task` and `emit_event`, without its MAXLEN trimming), with redis-py and `decode_responses=True`. Prints one JSON
line: `{"tasks": [{"id", "job_id"}…], "events": [{"id", "event_id", "type", "job_id"}…]}`.
"""

import argparse
import json
import sys
import uuid
from datetime import datetime

import redis


def add_task(client, stream, job_id, chunk_id, content, source_uri, source_type, metadata=None):
    message = {
        "job_id": job_id,
        "chunk_id": chunk_id,
        "content": content,
        "source_uri": source_uri,
        "source_type": source_type,
        "metadata": json.dumps(metadata or {}),
        "retry_count": "0",
        "timestamp": datetime.utcnow().isoformat(),
    }
    return client.xadd(stream, message)


def emit_event(client, stream, event_type, job_id=None, data=None, metadata=None):
    event = {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "timestamp": datetime.utcnow().isoformat(),
        "job_id": job_id or "",
        "data": json.dumps(data or {}),
        "metadata": json.dumps(metadata or {}),
    }
    return client.xadd(stream, event), event


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--tasks-stream", default="shield:ingestion_queue")
    parser.add_argument("--events-stream", default="shield:events")
    parser.add_argument("--tasks", type=int, default=0)
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--prefix", default="py")
    args = parser.parse_args()

    client = redis.Redis.from_url(args.url, decode_responses=True)
    tasks = []
    for i in range(args.tasks):
        job_id = f"{args.prefix}-job-{i}-{uuid.uuid4().hex[:8]}"
        message_id = add_task(
            client,
            args.tasks_stream,
            job_id=job_id,
            chunk_id=f"{job_id}-c0",
            content=f"Python task {i}: some text to ingest",
            source_uri=f"file:///srv/docs/{i}.txt",
            source_type="file",
            metadata={"owner": "python", "n": i},
        )
        tasks.append({"id": message_id, "job_id": job_id})
    events = []
    for i in range(args.events):
        job_id = f"{args.prefix}-evt-{i}"
        message_id, event = emit_event(
            client, args.events_stream, "ingestion.queued", job_id=job_id, data={"n": i}, metadata={"by": "python"}
        )
        events.append({"id": message_id, "event_id": event["event_id"], "type": event["type"], "job_id": job_id})
    print(json.dumps({"tasks": tasks, "events": events}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
