"""Reads a PUT /api/v1/orchestrator/jobs body (JSON) on stdin, deserializes it with PyPI's
bacalhau-apiclient models (ApiPutJobRequest), serializes it again, and fails unless the JSON is
the same: every field kiln sends is one the cluster's own client models know, with its type.
Run by tests/job_submit.rs with PYTHONPATH=tests/py (installed by ./x setup)."""
import json
import sys

from bacalhau_apiclient.api_client import ApiClient


class Response:
    def __init__(self, data):
        self.data = data


def drop_empty(value):
    """The models leave unset fields as None; kiln leaves them out."""
    if isinstance(value, dict):
        return {k: drop_empty(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_empty(v) for v in value]
    return value


sent = sys.stdin.read()
client = ApiClient()
model = client.deserialize(Response(sent), "ApiPutJobRequest")
again = drop_empty(client.sanitize_for_serialization(model))
original = json.loads(sent)
if again != original:
    print("kiln sent:\n" + json.dumps(original, indent=1, sort_keys=True))
    print("bacalhau-apiclient read it back as:\n" + json.dumps(again, indent=1, sort_keys=True))
    sys.exit(1)
print("ok")
