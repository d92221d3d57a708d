"""Start a wfm-push bulk push from Python with the Temporal SDK (pip install temporalio cryptography).

    python start_push.py plan.json [notify-url]

Environment: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
WFM_PUSH_TASK_QUEUE (default wfm-push), and WFM_PUSH_CODEC_KEYS when the workers encrypt payloads (their default):
the same "<keyId>=<base64 of 32 bytes>[,...]" value the workers use. Prints the push's result as JSON (exit 0), or
the plan's problems, each named by its path (exit 2).
"""

import asyncio
import base64
import dataclasses
import json
import os
import sys

import temporalio.converter
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError


class WfmPushCodec(temporalio.converter.PayloadCodec):
    """The workers' payload codec (common/codec.ts): AES-256-GCM over the serialized Payload, iv(12) | ciphertext | tag(16)."""

    def __init__(self, keys: str) -> None:
        pairs = [entry.strip().split("=", 1) for entry in keys.replace("\n", ",").split(",") if entry.strip()]
        self.keys = {key_id: base64.b64decode(key) for key_id, key in pairs}
        self.encrypt_with = pairs[0][0]  # The first key encrypts; every key decrypts.

    async def encode(self, payloads):
        encoded = []
        for payload in payloads:
            iv = os.urandom(12)
            sealed = AESGCM(self.keys[self.encrypt_with]).encrypt(iv, payload.SerializeToString(), None)
            encoded.append(
                Payload(
                    metadata={"encoding": b"binary/encrypted", "encryption-key-id": self.encrypt_with.encode()},
                    data=iv + sealed,
                )
            )
        return encoded

    async def decode(self, payloads):
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != b"binary/encrypted":
                decoded.append(payload)
                continue
            key = self.keys[payload.metadata["encryption-key-id"].decode()]
            decoded.append(Payload.FromString(AESGCM(key).decrypt(payload.data[:12], payload.data[12:], None)))
        return decoded


def converter_from_env() -> temporalio.converter.DataConverter:
    """The SDK's converter, through the workers' codec when WFM_PUSH_CODEC_KEYS is set."""
    keys = os.environ.get("WFM_PUSH_CODEC_KEYS")
    converter = temporalio.converter.default()
    if keys:
        converter = dataclasses.replace(converter, payload_codec=WfmPushCodec(keys))
    return converter


async def main(plan_file: str, notify_url: str | None) -> int:
    with open(plan_file, encoding="utf-8") as f:
        plan = json.load(f)
    client = await Client.connect(
        os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"),
        namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"),
        data_converter=converter_from_env(),
    )
    start = {"plan": plan, "maxInFlight": 50}
    if notify_url:
        start["notifyUrl"] = notify_url
    handle = await client.start_workflow(
        "bulkPush",
        start,
        id=f"bulk-push:{plan['planId']}",  # The contract: the workflow ID names the plan.
        task_queue=os.environ.get("WFM_PUSH_TASK_QUEUE", "wfm-push"),
    )
    try:
        print(json.dumps(await handle.result()))
        return 0
    except WorkflowFailureError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "InvalidPlan":
            for problem in cause.details[0]["problems"]:
                print(f"{problem['path']}: {problem['message']}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    code = asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
    # A short-lived client can abort at interpreter teardown ("Fatal Python error: PyGILState_Release", the SDK's
    # open issue temporalio/sdk-python#300: its Rust threads outlive the interpreter), turning a finished push into
    # a crash. Everything is printed by now, so flush and leave without the teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
