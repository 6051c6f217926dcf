"""Building and starting the web front for a CLI command: the context, the app, the listening server, and the
one line that says where it is."""

import typer

from domain.organisation import Organisation
from runtime.codec_keys import CodecConfigError
from runtime.settings import Settings
from runtime.temporal import port_is_free
from store.event_store import EventStore
from web.app import create_app
from web.context import WebContext, build_context
from web.secrets_file import SessionSecretError
from web.server import WebServer


class WebNotStarted(Exception):
    """One sentence: why the web front cannot start (a taken port, a bad setting)."""


def check_web_port(settings: Settings) -> None:
    if not port_is_free(settings.web_host, settings.web_port):
        raise WebNotStarted(
            f"Port {settings.web_port} on {settings.web_host} is already in use (GOVERN_WEB_PORT); "
            "is another `govern up` or `govern web` running?"
        )


def web_context(settings: Settings, organisation: Organisation, store: EventStore) -> WebContext:
    try:
        return build_context(settings, organisation, store)
    except (SessionSecretError, CodecConfigError, ValueError) as error:
        raise WebNotStarted(str(error)) from None


async def start_web(web: WebContext) -> WebServer:
    settings = web.settings
    server = WebServer(create_app(web), settings.web_host, settings.web_port)
    try:
        await server.start()
    except (OSError, SystemExit):
        raise WebNotStarted(
            f"The web front could not listen on {settings.web_host}:{settings.web_port} (GOVERN_WEB_HOST, "
            "GOVERN_WEB_PORT)."
        ) from None
    typer.echo(f"Web front: {settings.public_url} (listening on {settings.web_host}:{settings.web_port})")
    return server
