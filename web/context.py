"""Everything a page needs, built once per web process: settings, the organisation, the audit store, the
session tables, the mail delivery, the Temporal connection used for actions."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from activities.mail import MailDelivery
from domain.organisation import Organisation
from runtime.sealing import ContentSealer, sealer_from_settings
from runtime.settings import Settings
from store.event_store import EventStore
from store.web_sessions import WebSessionStore
from web.case_actions import CaseActions
from web.clock import Clock, wall_clock
from web.cookies import CookieJar
from web.oidc import OidcSignIn
from web.secrets_file import session_secret
from web.sessions import Sessions
from web.sign_in_links import SignInLinks


@dataclass
class WebContext:
    settings: Settings
    organisation: Organisation
    store: EventStore
    cookies: CookieJar
    sessions: Sessions
    links: SignInLinks
    oidc: OidcSignIn | None
    delivery: MailDelivery
    actions: CaseActions
    sealer: ContentSealer | None
    clock: Clock

    @property
    def documents_dir(self) -> Path:
        return self.settings.documents_dir


def build_context(
    settings: Settings,
    organisation: Organisation,
    store: EventStore,
    *,
    actions: CaseActions | None = None,
    clock: Clock = wall_clock,
) -> WebContext:
    """Raises SessionSecretError, CodecConfigError or ValueError (a bad GOVERN_MAIL_FROM) with one sentence."""
    secret = session_secret(settings)
    table = WebSessionStore(store.engine)
    return WebContext(
        settings=settings,
        organisation=organisation,
        store=store,
        cookies=CookieJar(secret, secure=settings.public_url.startswith("https://")),
        sessions=Sessions(
            table,
            secret,
            idle=timedelta(minutes=settings.session_idle_minutes),
            max_age=timedelta(hours=settings.session_max_hours),
            clock=clock,
        ),
        links=SignInLinks(table, clock),
        oidc=OidcSignIn(settings, table, secret, clock) if settings.oidc_enabled else None,
        delivery=MailDelivery(smtp_url=settings.smtp_url, mail_dir=settings.mail_dir, mail_from=settings.mail_from),
        actions=actions or CaseActions(settings, organisation, store),
        sealer=sealer_from_settings(settings),
        clock=clock,
    )
