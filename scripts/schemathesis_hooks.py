"""Schemathesis hooks for scripts/fuzz.sh (SCHEMATHESIS_HOOKS=schemathesis_hooks, PYTHONPATH=scripts).

POST /org/import takes application/x-ndjson, which Schemathesis cannot serialize by itself: its
body schema is a string (the lines), sent as its UTF-8 bytes; anything else is sent as its JSON.
"""
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")
