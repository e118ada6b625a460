"""
The seed's field contract (seed 000 `RedisStreamsClient.read_tasks` / `read_events`; seed 002's flat events), as the users' Python services
parse entries: every key mandatory (a missing one raises KeyError), `json.loads` on the JSON fields, `int()` on
`retry_count`. Copied from the seed's dict building, so a format the Python services cannot read fails here too.
"""

import json


def parse_task(message_id, message_data):
    """An entry of `shield:ingestion_queue`, as `read_tasks` builds it (raises on anything it cannot parse)."""
    return {
        "message_id": message_id,
        "job_id": message_data["job_id"],
        "chunk_id": message_data["chunk_id"],
        "content": message_data["content"],
        "source_uri": message_data["source_uri"],
        "source_type": message_data["source_type"],
        "metadata": json.loads(message_data["metadata"]),
        "retry_count": int(message_data["retry_count"]),
        "timestamp": message_data["timestamp"],
    }


def parse_event(message_id, message_data):
    """An entry of `shield:events`, as `read_events` builds it (raises on anything it cannot parse)."""
    return {
        "message_id": message_id,
        "event_id": message_data["event_id"],
        "type": message_data["type"],
        "timestamp": message_data["timestamp"],
        "job_id": message_data["job_id"],
        "data": json.loads(message_data["data"]),
        "metadata": json.loads(message_data["metadata"]),
    }


def parse_seed002(message_id, message_data):
    """An entry of a seed 002 stream (`email.received` …), as its `RedisStreamsConsumer.consume` decodes it: every
    field a payload key, values starting with `{` or `[` through `json.loads` (raises on bad JSON), others kept as
    text. Its handlers then read their keys (`payload['email_id']`): the test compares the whole payload."""
    return {
        "message_id": message_id,
        "payload": {k: json.loads(v) if v.startswith(("{", "[")) else v for k, v in message_data.items()},
    }


PARSERS = {"task": parse_task, "event": parse_event, "seed002": parse_seed002}
