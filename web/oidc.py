"""Sign-in through the organisation's OpenID Connect provider (e.g. Microsoft Entra ID): the authorization code
flow with PKCE (S256), through authlib.

Nothing secret is stored: the table keeps the hash of the `state` and of the browser id that began the sign-in;
the PKCE verifier and the nonce are derived from the state with the session secret (HMAC), so the callback can
recompute them and nobody reading the database can. The person is the one whose address the ID token (or, if
it lacks the claim, the userinfo endpoint) gives in GOVERN_OIDC_EMAIL_CLAIM.
"""

from datetime import timedelta
from typing import Any

import structlog
from authlib.integrations.starlette_client import OAuth

from runtime.settings import Settings
from store.web_sessions import WebSessionStore
from web.clock import Clock
from web.tokens import digest, keyed, new_token

log = structlog.get_logger("govern.web")

SIGN_IN_LIFETIME = timedelta(minutes=10)
CALLBACK_PATH = "/sign-in/oidc/callback"


class OidcFailed(Exception):
    """The provider's answer did not sign anyone in; the message is the sentence for the page."""


class OidcSignIn:
    def __init__(self, settings: Settings, table: WebSessionStore, secret: bytes, clock: Clock) -> None:
        assert settings.oidc_issuer is not None
        self._table = table
        self._secret = secret
        self._clock = clock
        self._email_claim = settings.oidc_email_claim
        self._redirect_uri = settings.public_url + CALLBACK_PATH
        self.issuer = settings.oidc_issuer
        oauth = OAuth()
        oauth.register(
            name="govern",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "timeout": 10},
        )
        self._client: Any = oauth.create_client("govern")

    def _verifier(self, state: str) -> str:
        return keyed(self._secret, "oidc-pkce", state)  # 64 hex characters: a valid PKCE verifier

    def _nonce(self, state: str) -> str:
        return keyed(self._secret, "oidc-nonce", state)

    async def begin(self, browser_id: str, next_path: str | None) -> str:
        """The provider's authorization URL for this browser's sign-in."""
        state = new_token()
        self._table.add_oidc_login(digest(state), digest(browser_id), next_path, self._clock(), SIGN_IN_LIFETIME)
        try:
            authorization = await self._client.create_authorization_url(
                self._redirect_uri, state=state, nonce=self._nonce(state), code_verifier=self._verifier(state)
            )
        except Exception as error:  # noqa: BLE001 - any failure to reach the provider is one sentence
            log.warning("oidc provider unreachable", issuer=self.issuer, error=str(error))
            raise OidcFailed(
                f"The identity provider at {self.issuer} cannot be reached just now; try again, or sign in by e-mail."
            ) from None
        return str(authorization["url"])

    async def complete(self, browser_id: str | None, state: str, code: str) -> tuple[str | None, str | None]:
        """The address the provider vouches for, and where to go next; OidcFailed with a sentence otherwise."""
        pending = (
            self._table.redeem_oidc_login(digest(state), digest(browser_id or ""), self._clock()) if state else None
        )
        if pending is None:
            raise OidcFailed(
                "This sign-in did not begin in this browser, was already used or has expired; start again."
            )
        try:
            token = await self._client.fetch_access_token(
                redirect_uri=self._redirect_uri, code=code, code_verifier=self._verifier(state)
            )
            claims = dict(await self._client.parse_id_token(token, nonce=self._nonce(state)) or {})
            if self._email_claim not in claims:
                claims.update(dict(await self._client.userinfo(token=token)))
        except Exception as error:  # noqa: BLE001 - a refused code or a bad token: the person starts again
            log.warning("oidc sign-in failed", issuer=self.issuer, error=str(error))
            raise OidcFailed("The identity provider's answer could not be verified; start again.") from None
        address = claims.get(self._email_claim)
        return (address if isinstance(address, str) else None), pending.next_path
