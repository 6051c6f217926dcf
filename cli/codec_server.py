"""`govern codec-server`: the Temporal Web UI's remote codec endpoint, for people allowed to read the content.

The UI posts `{"payloads": [{"metadata": {k: base64}, "data": base64}]}` (proto JSON of
`temporal.api.common.v1.Payloads`) to `/decode` or `/encode` and gets the same shape back. Every request needs
`Authorization: Bearer <GOVERN_CODEC_SERVER_TOKEN>`; CORS answers only the UI's origin (GOVERN_CODEC_UI_ORIGIN).
"""

import asyncio
import hmac
import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import typer
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

from cli.context import fail, settings_of
from runtime.codec import CodecKeyError, codec_from_settings
from runtime.codec_keys import CodecConfigError

MAX_BODY_BYTES = 16 * 1024 * 1024
ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace"


def make_server(codec: PayloadCodec, token: str, origin: str, host: str, port: int) -> ThreadingHTTPServer:
    """A codec server bound to host:port (0 picks a free port); call `serve_forever()` to run it."""
    expected = f"Bearer {token}".encode()
    allowed_origin = origin.rstrip("/")

    class CodecHandler(BaseHTTPRequestHandler):
        def version_string(self) -> str:
            return "govern-codec"

        def _cors(self) -> None:
            if self.headers.get("Origin", "").rstrip("/") == allowed_origin:
                self.send_header("Access-Control-Allow-Origin", allowed_origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Access-Control-Allow-Headers", ALLOWED_HEADERS)
                self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                self.send_header("Access-Control-Max-Age", "600")
            self.send_header("Vary", "Origin")

        def _reply(self, status: HTTPStatus, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self._cors()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: HTTPStatus, message: str, extra: dict[str, str] | None = None) -> None:
            self._reply(status, json.dumps({"error": message}).encode(), extra)

        def _authorised(self) -> bool:
            given = self.headers.get("Authorization", "").strip().encode()
            return hmac.compare_digest(given, expected)

        def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
            if self.headers.get("Origin", "").rstrip("/") != allowed_origin:
                self._error(HTTPStatus.FORBIDDEN, "origin not allowed")
                return
            self.send_response(HTTPStatus.OK)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self._error(HTTPStatus.METHOD_NOT_ALLOWED, "use POST /encode or POST /decode", {"Allow": "POST, OPTIONS"})

        def do_POST(self) -> None:  # noqa: N802
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body must be 0 to {MAX_BODY_BYTES} bytes")
                return
            body = self.rfile.read(length)
            if not self._authorised():
                self._error(HTTPStatus.UNAUTHORIZED, "unauthorized", {"WWW-Authenticate": "Bearer"})
                return
            path = self.path.split("?", 1)[0].rstrip("/")
            if path not in ("/encode", "/decode"):
                self._error(HTTPStatus.NOT_FOUND, "use POST /encode or POST /decode")
                return
            try:
                request = json_format.Parse(body or b"{}", Payloads(), ignore_unknown_fields=True)
            except json_format.ParseError:
                self._error(HTTPStatus.BAD_REQUEST, "body must be JSON of temporal.api.common.v1.Payloads")
                return
            operation = codec.encode if path == "/encode" else codec.decode
            try:
                result = asyncio.run(operation(list(request.payloads)))
            except CodecKeyError as error:
                self._error(HTTPStatus.BAD_REQUEST, str(error))
                return
            response = json_format.MessageToJson(Payloads(payloads=result), indent=None)
            self._reply(HTTPStatus.OK, response.encode())

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature of the base class
            sys.stderr.write(f"codec-server {self.address_string()} {format % args}\n")

    server = ThreadingHTTPServer((host, port), CodecHandler)
    server.daemon_threads = True
    return server


def codec_server(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (the port is GOVERN_CODEC_SERVER_PORT)."),
) -> None:
    """Serve the Temporal Web UI's remote codec endpoint (decrypts payloads for holders of the token)."""
    settings = settings_of(ctx)
    try:
        codec = codec_from_settings(settings)
    except CodecConfigError as error:
        fail(str(error), code=2)
    if codec is None:
        fail("The codec server needs keys: set GOVERN_CODEC_KEYS (KEY_ID:BASE64_KEY[,...]).", code=2)
    if not settings.codec_server_token:
        fail("The codec server needs a token: set GOVERN_CODEC_SERVER_TOKEN (sent as `Bearer <token>`).", code=2)
    try:
        server = make_server(
            codec, settings.codec_server_token, settings.codec_ui_origin, host, settings.codec_server_port
        )
    except OSError as error:
        fail(
            f"Cannot listen on {host}:{settings.codec_server_port} (GOVERN_CODEC_SERVER_PORT): {error.strerror}.",
            code=2,
        )
    bound_host, bound_port = server.server_address[:2]
    typer.echo(
        f"Codec server on http://{str(bound_host)}:{bound_port} for the Web UI at {settings.codec_ui_origin} "
        f"(keys {', '.join(codec.key_ids)}; new payloads use {codec.active_key}). Ctrl-C stops it."
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
