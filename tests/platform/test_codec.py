"""The payload codec (AES-256-GCM, key rotation), the codec server for the Web UI, and a stored Temporal history
that holds no plaintext."""

import base64
import dataclasses
import http.client
import json
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
import typer
from pydantic import BaseModel
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from cli.codec_server import codec_server, make_server
from runtime.binaries import temporal_test_server
from runtime.codec import AesGcmCodec, CodecKeyError, codec_from_settings, data_converter
from runtime.codec_keys import CodecConfigError, parse_keys
from runtime.payload_converter import GOVERN_DATA_CONVERTER
from runtime.settings import Settings
from runtime.temporal import SERVER_STARTUP_TIMEOUT
from tests.support.keys import new_key

SECRET_RATING = "below expectations"
TOKEN = "s3cret-token-for-tests"
UI_ORIGIN = "http://localhost:8233"


@pytest.fixture(autouse=True)
def no_codec_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings() reads GOVERN_*; a developer's own codec keys must not leak into these tests."""
    for name in ("GOVERN_CODEC_KEYS", "GOVERN_CODEC_ACTIVE_KEY", "GOVERN_CODEC_SERVER_TOKEN", "GOVERN_CODEC_UI_ORIGIN"):
        monkeypatch.delenv(name, raising=False)


class Appraisal(BaseModel):
    staff: str
    rating: str
    comment: str


def appraisal() -> Appraisal:
    return Appraisal(staff="aminata", rating=SECRET_RATING, comment="Missed every deadline of the workplan.")


async def encode(codec: AesGcmCodec, value: object) -> Payload:
    converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
    (payload,) = await converter.encode([value])
    return payload


async def decode(codec: AesGcmCodec, payload: Payload, type_: type) -> object:
    converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
    (value,) = await converter.decode([payload], [type_])
    return value


# --- the codec ---------------------------------------------------------------------------------------------------


async def test_roundtrip_with_the_right_key() -> None:
    codec = AesGcmCodec({"k1": os.urandom(32)})
    payload = await encode(codec, appraisal())
    assert payload.metadata["encoding"] == b"binary/encrypted"
    assert payload.metadata["encryption-key-id"] == b"k1"
    assert await decode(codec, payload, Appraisal) == appraisal()


async def test_ciphertext_contains_no_plaintext() -> None:
    (plain,) = await pydantic_data_converter.encode([appraisal()])
    assert SECRET_RATING.encode() in plain.data  # the search below would find it if it were there
    converter = data_converter(Settings(codec_keys=f"k1:{new_key()}"))
    (payload,) = await converter.encode([appraisal()])
    everything = payload.SerializeToString()
    for needle in (SECRET_RATING, "aminata", "deadline", "json/plain"):
        assert needle.encode() not in everything
    # Two encodings of the same value differ (random nonce), so equal ratings cannot be spotted either.
    (again,) = await converter.encode([appraisal()])
    assert again.data != payload.data


async def test_a_wrong_key_fails_with_a_clear_sentence() -> None:
    payload = await encode(AesGcmCodec({"k1": os.urandom(32)}), appraisal())
    with pytest.raises(CodecKeyError) as raised:
        await decode(AesGcmCodec({"k1": os.urandom(32)}), payload, Appraisal)
    assert str(raised.value) == (
        "Cannot decrypt a payload encrypted with key 'k1': the configured key 'k1' does not open it: "
        "wrong key material (or the payload was altered)."
    )


async def test_a_missing_key_fails_with_a_clear_sentence() -> None:
    payload = await encode(AesGcmCodec({"k2023": os.urandom(32)}), appraisal())
    with pytest.raises(CodecKeyError) as raised:
        await decode(AesGcmCodec({"k2027": os.urandom(32)}), payload, Appraisal)
    assert str(raised.value) == (
        "Cannot decrypt a payload encrypted with key 'k2023': that key is not configured (GOVERN_CODEC_KEYS)."
    )


async def test_an_altered_payload_or_relabelled_key_id_is_refused() -> None:
    keys = {"k1": os.urandom(32), "k2": os.urandom(32)}
    payload = await encode(AesGcmCodec(keys, "k1"), appraisal())
    tampered = Payload()
    tampered.CopyFrom(payload)
    tampered.data = payload.data[:-1] + bytes([payload.data[-1] ^ 1])
    relabelled = Payload()
    relabelled.CopyFrom(payload)
    relabelled.metadata["encryption-key-id"] = b"k2"
    for altered in (tampered, relabelled):
        with pytest.raises(CodecKeyError, match="wrong key material"):
            await decode(AesGcmCodec(keys), altered, Appraisal)


async def test_key_rotation_old_cases_still_decode() -> None:
    k1, k2 = new_key(), new_key()
    before = codec_from_settings(Settings(codec_keys=f"k1:{k1}"))
    assert before is not None and before.active_key == "k1"
    old = await encode(before, appraisal())

    after = codec_from_settings(Settings(codec_keys=f"k1:{k1},k2:{k2}"))  # the last listed is active by default
    assert after is not None and after.active_key == "k2"
    assert await decode(after, old, Appraisal) == appraisal()
    new = await encode(after, appraisal())
    assert new.metadata["encryption-key-id"] == b"k2"
    assert await decode(after, new, Appraisal) == appraisal()

    # An explicit active key wins over the order; a retired key can no longer open new payloads.
    pinned = codec_from_settings(Settings(codec_keys=f"k2:{k2},k1:{k1}", codec_active_key="k2"))
    assert pinned is not None and pinned.active_key == "k2"
    with pytest.raises(CodecKeyError, match="key 'k2': that key is not configured"):
        await decode(AesGcmCodec({"k1": base64.b64decode(k1)}), new, Appraisal)


async def test_unencrypted_payloads_pass_through_decode() -> None:
    (plain,) = await pydantic_data_converter.encode([appraisal()])
    codec = AesGcmCodec({"k1": os.urandom(32)})
    assert await codec.decode([plain]) == [plain]


def test_no_keys_means_no_codec() -> None:
    assert codec_from_settings(Settings()) is None
    assert data_converter(Settings()) is GOVERN_DATA_CONVERTER
    assert GOVERN_DATA_CONVERTER.payload_codec is None
    assert data_converter(Settings(codec_keys=f"k1:{new_key()}")).payload_codec is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "it is empty"),
        ("k1", "entry 1 is not KEY_ID:BASE64_KEY"),
        ("k1:" + new_key() + ",oops", "entry 2 is not KEY_ID:BASE64_KEY"),
        ("bad id!:" + new_key(), "entry 1 has a key id that is not"),
        ("k1:not*base64*at*all", "the key of 'k1' is not valid base64"),
        ("k1:" + base64.b64encode(b"sixteen byte key").decode(), "the key of 'k1' is 16 bytes; AES-256 needs 32"),
        ("k1:" + new_key() + ",k1:" + new_key(), "key id 'k1' is listed twice"),
    ],
)
def test_bad_codec_keys_give_one_line_naming_the_setting(text: str, expected: str) -> None:
    with pytest.raises(CodecConfigError) as raised:
        parse_keys(text)
    message = str(raised.value)
    assert message.startswith("Invalid setting GOVERN_CODEC_KEYS: ")
    assert expected in message
    assert "\n" not in message
    for entry in text.split(","):
        secret = entry.partition(":")[2]
        assert not secret or secret not in message  # never echo key material


def test_an_unknown_active_key_names_its_setting() -> None:
    with pytest.raises(CodecConfigError) as raised:
        codec_from_settings(Settings(codec_keys=f"k1:{new_key()}", codec_active_key="k9"))
    assert str(raised.value) == (
        "Invalid setting GOVERN_CODEC_ACTIVE_KEY: 'k9' is not one of the key ids in GOVERN_CODEC_KEYS (k1)."
    )


def test_settings_never_show_keys_or_token() -> None:
    key = new_key()
    settings = Settings(codec_keys=f"k1:{key}", codec_server_token=TOKEN)
    assert key not in repr(settings) and TOKEN not in repr(settings)
    codec = codec_from_settings(settings)
    assert key not in repr(codec)


# --- the codec server --------------------------------------------------------------------------------------------


@pytest.fixture
def codec() -> AesGcmCodec:
    return AesGcmCodec({"k1": os.urandom(32)})


@pytest.fixture
def server(codec: AesGcmCodec) -> Iterator[tuple[str, int]]:
    httpd = make_server(codec, TOKEN, UI_ORIGIN, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def request(
    address: tuple[str, int], method: str, path: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        data = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def payloads_json(*payloads: Payload) -> dict:
    return {
        "payloads": [
            {
                "metadata": {key: base64.b64encode(value).decode() for key, value in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in payloads
        ]
    }


async def test_the_codec_server_refuses_a_request_without_the_token(
    codec: AesGcmCodec, server: tuple[str, int]
) -> None:
    body = payloads_json(await encode(codec, appraisal()))
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": TOKEN},
        {"Authorization": "Basic x"},
    ):
        status, response_headers, content = request(server, "POST", "/decode", body, headers)
        assert status == 401
        assert json.loads(content) == {"error": "unauthorized"}
        assert b"payloads" not in content and SECRET_RATING.encode() not in content
        assert response_headers["WWW-Authenticate"] == "Bearer"


async def test_the_codec_server_decodes_with_the_token(codec: AesGcmCodec, server: tuple[str, int]) -> None:
    encrypted = await encode(codec, appraisal())
    status, _, content = request(
        server, "POST", "/decode", payloads_json(encrypted), {"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 200
    (decoded,) = json.loads(content)["payloads"]
    assert base64.b64decode(decoded["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(decoded["data"]))["rating"] == SECRET_RATING

    # /encode gives back ciphertext that /decode (and the worker's codec) opens.
    status, _, content = request(server, "POST", "/encode", json.loads(content), {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    (reencrypted,) = json.loads(content)["payloads"]
    assert base64.b64decode(reencrypted["metadata"]["encryption-key-id"]) == b"k1"
    payload = Payload(
        metadata={k: base64.b64decode(v) for k, v in reencrypted["metadata"].items()},
        data=base64.b64decode(reencrypted["data"]),
    )
    assert await decode(codec, payload, Appraisal) == appraisal()


async def test_the_codec_server_reports_an_unknown_key_without_key_material(server: tuple[str, int]) -> None:
    foreign = await encode(AesGcmCodec({"k2023": os.urandom(32)}), appraisal())
    status, _, content = request(
        server, "POST", "/decode", payloads_json(foreign), {"Authorization": f"Bearer {TOKEN}"}
    )
    assert status == 400
    assert "key 'k2023': that key is not configured" in json.loads(content)["error"]


def test_the_codec_server_allows_only_the_ui_origin(server: tuple[str, int]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, headers, _ = request(server, "POST", "/decode", {"payloads": []}, {"Origin": UI_ORIGIN, **auth})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"

    status, headers, _ = request(
        server, "POST", "/decode", {"payloads": []}, {"Origin": "https://evil.example", **auth}
    )
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = request(server, "POST", "/decode", {"payloads": []}, auth)
    assert "Access-Control-Allow-Origin" not in headers


def test_the_codec_server_answers_the_preflight_for_the_ui_origin_only(server: tuple[str, int]) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    status, headers, _ = request(server, "OPTIONS", "/decode", headers={"Origin": UI_ORIGIN, **preflight})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, X-Namespace"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in headers["Access-Control-Allow-Methods"]

    status, headers, _ = request(server, "OPTIONS", "/decode", headers={"Origin": "https://evil.example", **preflight})
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers
    assert all(value != "*" for value in headers.values())


def test_the_codec_server_refuses_bad_requests(server: tuple[str, int]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert request(server, "POST", "/elsewhere", {"payloads": []}, auth)[0] == 404
    assert request(server, "POST", "/decode", {"payloads": "nope"}, auth)[0] == 400
    assert request(server, "GET", "/decode", headers=auth)[0] == 405


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "The codec server needs keys: set GOVERN_CODEC_KEYS (KEY_ID:BASE64_KEY[,...])."),
        (
            {"GOVERN_CODEC_KEYS": "k1:" + new_key()},
            "The codec server needs a token: set GOVERN_CODEC_SERVER_TOKEN (sent as `Bearer <token>`).",
        ),
        (
            {"GOVERN_CODEC_KEYS": "k1:c2hvcnQ=", "GOVERN_CODEC_SERVER_TOKEN": TOKEN},
            "Invalid setting GOVERN_CODEC_KEYS: the key of 'k1' is 5 bytes; AES-256 needs 32",
        ),
    ],
)
def test_the_codec_server_refuses_to_start_without_keys_or_token(env: dict[str, str], expected: str) -> None:
    app = typer.Typer()
    app.command()(codec_server)
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected)


# --- a stored Temporal history -----------------------------------------------------------------------------------


@workflow.defn(name="ConfidentialEcho", sandboxed=False)
class ConfidentialEcho:
    @workflow.run
    async def run(self, appraisal: Appraisal) -> Appraisal:
        workflow.upsert_memo({"phase": "assessment"})
        return Appraisal(staff=appraisal.staff, rating=appraisal.rating, comment=f"Seen: {appraisal.comment}")


async def run_echo(client: Client, value: Appraisal) -> tuple[Appraisal, bytes, str]:
    task_queue = f"codec-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=task_queue, workflows=[ConfidentialEcho]):
        handle = await client.start_workflow(
            ConfidentialEcho.run, value, id=f"appraisal-{uuid.uuid4().hex[:8]}", task_queue=task_queue
        )
        result = await handle.result()
        history = await handle.fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)  # payload bytes appear unencoded here
    return result, raw, history.to_json()


async def test_the_stored_history_holds_no_plaintext() -> None:
    settings = Settings(codec_keys=f"k1:{new_key()}")
    encrypted = data_converter(settings)
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=temporal_test_server(),
        data_converter=encrypted,
    )
    try:
        secret = Appraisal(staff="aminata", rating=f"{SECRET_RATING} {uuid.uuid4().hex}", comment="confidential note")
        result, raw, history_json = await run_echo(environment.client, secret)
        assert result.rating == secret.rating and result.comment == "Seen: confidential note"
        for needle in (secret.rating, "confidential note", SECRET_RATING):
            assert needle.encode() not in raw
            assert needle not in history_json
        assert b"binary/encrypted" in raw

        # The control: the same workflow without the codec leaves the secret in the history, so the search works.
        plain_client = Client(
            environment.client.service_client,
            namespace=environment.client.namespace,
            data_converter=pydantic_data_converter,
        )
        _, plain_raw, _ = await run_echo(plain_client, secret)
        assert secret.rating.encode() in plain_raw
    finally:
        await environment.shutdown()
