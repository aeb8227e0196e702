"""AWS credentials and botocore clients, resolved in one place.

The seed applications refreshed expired credentials for some clients and left
the DynamoDB handle on the old session. Here every client is made by one
`AwsClients`, so `AwsClients.refresh()` re-resolves the credentials once and
rebuilds *every* client it ever made (DynamoDB, S3, ...).

Credential sources, in the order they win:

1. explicit keys (``aws_access_key_id``/``aws_secret_access_key``, optionally
   ``aws_session_token``);
2. otherwise botocore's default chain: ``AWS_ACCESS_KEY_ID``/
   ``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``, the profile (``profile=`` or
   ``AWS_PROFILE``, including its own ``role_arn``/``source_profile``, SSO and
   ``credential_process``), web identity, container and instance roles;
3. with ``role_arn``, the credentials from 1 or 2 are only the source: the
   role is assumed through STS with botocore's `AssumeRoleCredentialFetcher`
   wrapped in `DeferredRefreshableCredentials`, so botocore renews them by
   itself before they expire.

Clients are handed out as `RefreshingClient`: it forwards to the current
botocore client, and each API call on it follows the retry-once rule — when
AWS answers with an expired/unrecognised-token code (`REFRESH_CODES`; such a
request was refused before it ran, so sending it again cannot apply it twice)
the credentials are re-resolved, every client is rebuilt, and the call is sent
once more. A second refusal raises `CredentialsExpired` saying what to do.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import ClientError

from .errors import CredentialsExpired, ValidationError

__all__ = ["DUMMY_CREDENTIALS", "REFRESH_CODES", "AwsClients", "RefreshingClient", "error_code", "is_loopback"]

T = TypeVar("T")

#: AWS error codes after which fresh credentials may help. All of them are
#: answered before the request runs, so retrying cannot apply a write twice.
REFRESH_CODES = frozenset({
    "ExpiredTokenException",  # DynamoDB, STS
    "ExpiredToken",  # S3, STS
    "RequestExpired",  # signature older than 5 minutes (clock skew, long-held request)
    "UnrecognizedClientException",  # DynamoDB: unknown access key or token (rotated, revoked)
    "InvalidClientTokenId",  # STS and query APIs: the same
    "InvalidAccessKeyId",  # S3: the same
    "InvalidToken",  # S3: malformed or revoked session token
})

#: What an emulator on an explicit endpoint gets when no credentials are configured.
DUMMY_CREDENTIALS = ("dynastore", "dynastore")

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}


def is_loopback(endpoint: str | None) -> bool:
    return endpoint is not None and urlsplit(endpoint).hostname in _LOOPBACK


def error_code(e: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (None for anything else)."""
    if isinstance(e, ClientError):
        return (e.response.get("Error") or {}).get("Code")  # type: ignore[no-any-return]
    return None


class _Provide(CredentialProvider):
    """A credential provider that hands out credentials made elsewhere (the assumed role's)."""

    METHOD = "assume-role"
    CANONICAL_NAME = "dynastore-assume-role"

    def __init__(self, credentials: Credentials):
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def _rewind(params: dict[str, Any]) -> Callable[[], None]:
    """Remember where file-like bodies stand, so a resend reads them again from there."""
    marks = []
    for v in params.values():
        if hasattr(v, "seek") and hasattr(v, "tell"):
            try:
                marks.append((v, v.tell()))
            except (OSError, ValueError):
                pass

    def rewind() -> None:
        for stream, pos in marks:
            stream.seek(pos)

    return rewind


class AwsClients:
    """Resolves AWS credentials and builds every botocore client on them.

    Thread-safe. Share one instance between the components that talk to AWS
    (the DynamoDB engine, the S3 blob store) so that one refresh renews them all.

    ``local=True`` (for emulators on loopback) skips the instance-metadata and
    container providers, which would otherwise be waited on for credentials an
    emulator ignores; any client with an explicit endpoint gets dummy
    credentials when none are configured.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        role_arn: str | None = None,
        role_session_name: str | None = None,
        external_id: str | None = None,
        role_duration_seconds: int | None = None,
        sts_endpoint: str | None = None,
        local: bool = False,
        config: Config | None = None,
    ):
        if (aws_access_key_id is None) != (aws_secret_access_key is None):
            raise ValidationError("aws_access_key_id and aws_secret_access_key go together")
        if aws_session_token is not None and aws_access_key_id is None:
            raise ValidationError("aws_session_token needs aws_access_key_id and aws_secret_access_key")
        if role_arn is None and any(v is not None for v in (role_session_name, external_id, role_duration_seconds)):
            raise ValidationError("role_session_name, external_id and role_duration_seconds need role_arn")
        if role_duration_seconds is not None and not 900 <= role_duration_seconds <= 43200:
            raise ValidationError(f"role_duration_seconds must be 900 to 43200, got {role_duration_seconds}")
        self.profile = profile
        self.role_arn = role_arn
        self.local = local
        self.config = config
        self._static = (
            (aws_access_key_id, aws_secret_access_key, aws_session_token) if aws_access_key_id is not None else None
        )
        self._role_args: dict[str, Any] = {"RoleSessionName": role_session_name or "dynastore"}
        if external_id is not None:
            self._role_args["ExternalId"] = external_id
        if role_duration_seconds is not None:
            self._role_args["DurationSeconds"] = role_duration_seconds
        self._sts_endpoint = sts_endpoint
        self._lock = threading.Lock()
        #: (service, endpoint_url, region, config) -> current botocore client
        self._clients: dict[tuple[str, str | None, str, Config | None], Any] = {}
        #: how many times the credentials were re-resolved (and every client rebuilt)
        self.refreshes = 0
        # botocore reads AWS_DEFAULT_REGION and the profile; AWS_REGION is what the other SDKs use.
        self.region: str | None = (
            region or botocore.session.Session(profile=profile).get_config_variable("region")
            or os.environ.get("AWS_REGION") or None
        )
        self._session = self._new_session()

    def __repr__(self) -> str:
        return f"<AwsClients {self.source} region={self.region} clients={len(self._clients)}>"

    @property
    def source(self) -> str:
        """Where the credentials come from, for messages and health reports."""
        base = "explicit keys" if self._static else f"profile {self.profile}" if self.profile else "default chain"
        return f"role {self.role_arn} from {base}" if self.role_arn else base

    @property
    def renewable(self) -> bool:
        """Whether resolving again can give different credentials (explicit keys alone cannot)."""
        return self._static is None or self.role_arn is not None

    # -- resolving -----------------------------------------------------------

    def _new_session(self) -> botocore.session.Session:
        """A fresh botocore session: every provider in the chain is consulted again."""
        session = botocore.session.Session(profile=self.profile)
        resolver = session.get_component("credential_provider")
        if self.local:
            for method in ("iam-role", "container-role"):
                try:
                    resolver.remove(method)
                except Exception:  # pragma: no cover - provider absent in this botocore
                    pass
        if self.role_arn is None:
            if self._static is not None:
                session.set_credentials(*self._static)
            return session
        # The source credentials are resolved without caching them on the session,
        # whose own chain is then replaced by the assumed role's credentials.
        source = Credentials(*self._static) if self._static else resolver.load_credentials()
        if source is None:
            raise CredentialsExpired(
                f"no AWS credentials to assume {self.role_arn} with: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                "choose a profile, or run where an instance or container role is available",
                code="MissingAuthenticationTokenException",
            )
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=functools.partial(
                session.create_client, region_name=self.region or "us-east-1",
                endpoint_url=self._sts_endpoint, config=self.config,
            ),
            source_credentials=source,
            role_arn=self.role_arn,
            extra_args=dict(self._role_args),
        )
        role = DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials, method="assume-role")
        session.register_component("credential_provider", CredentialResolver([_Provide(role)]))
        return session

    def credentials(self) -> Credentials | None:
        """The credentials the clients sign with (None when nothing was found)."""
        return self._session.get_credentials()

    def _build(
        self, session: botocore.session.Session, service: str, endpoint_url: str | None, region: str,
        config: Config | None,
    ) -> Any:
        if endpoint_url is not None and session.get_credentials() is None:
            # Pinned on the session, not passed to this client alone: botocore looks again each time it finds
            # none, and a client made later (the streams client, on first use) could find keys set meanwhile
            # and sign as another caller, whom DynamoDB Local gives other tables.
            session.set_credentials(*DUMMY_CREDENTIALS)
        try:
            return session.create_client(
                service, region_name=region, endpoint_url=endpoint_url, config=config or self.config
            )
        except ValueError as e:  # botocore: invalid region or endpoint
            raise ValidationError(f"cannot configure the {service} client: {e}", cause=e) from None

    # -- clients -------------------------------------------------------------

    def client(
        self, service: str, *, endpoint_url: str | None = None, region: str | None = None, config: Config | None = None
    ) -> RefreshingClient:
        """A client for ``service`` that always uses the current credentials.

        Made on first use and cached; ``region`` defaults to the resolved one
        (``us-east-1`` for an explicit endpoint, which emulators ignore).
        """
        region = region or self.region
        if region is None:
            if endpoint_url is None:
                raise ValidationError(
                    f"no AWS region for {service}: pass region= (e.g. ?region=eu-west-1 in the URL), set "
                    "AWS_REGION/AWS_DEFAULT_REGION, or configure one in your AWS profile"
                )
            region = "us-east-1"
        key = (service, endpoint_url, region, config)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._build(self._session, *key)
        return RefreshingClient(self, key)

    def current(self, key: tuple[str, str | None, str, Config | None]) -> Any:
        return self._clients[key]

    def refresh(self, failed: Any = None) -> bool:
        """Re-resolve the credentials and rebuild every client made so far.

        ``failed`` is the botocore client a call was refused on: when it is no
        longer current (another thread refreshed in the meantime) nothing is
        done. Returns whether a refresh happened. Old clients are not closed:
        other threads may still be mid-request on them.
        """
        with self._lock:
            if failed is not None and all(c is not failed for c in self._clients.values()):
                return False
            session = self._new_session()
            self._clients = {key: self._build(session, *key) for key in self._clients}
            self._session = session
            self.refreshes += 1
            return True

    def call(self, key: tuple[str, str | None, str, Config | None], op: str, params: dict[str, Any]) -> Any:
        """Run ``op`` on the current client with the retry-once-on-expired-credentials rule."""
        client = self._clients[key]
        rewind = _rewind(params)
        try:
            return getattr(client, op)(**params)
        except ClientError as e:
            code = error_code(e)
            if code not in REFRESH_CODES:
                raise
            if not self.renewable:
                raise CredentialsExpired(
                    f"AWS refused the explicit credentials ({code}: {_message(e)}); they cannot be renewed "
                    "automatically: pass fresh ones, or leave them out to use the default chain "
                    "(environment, profile, role)",
                    code=code, cause=e,
                ) from e
        self.refresh(failed=client)
        rewind()
        try:
            return getattr(self._clients[key], op)(**params)
        except ClientError as e:
            code = error_code(e)
            if code not in REFRESH_CODES:
                raise
            raise CredentialsExpired(
                f"AWS still refuses the credentials ({code}: {_message(e)}) after they were resolved again "
                f"from {self.source}: renew them (e.g. `aws sso login`, a new AWS_SESSION_TOKEN, or the "
                "profile's keys in ~/.aws/credentials) and retry",
                code=code, cause=e,
            ) from e

    def close(self) -> None:
        """Close every client made so far (they are unusable afterwards)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for c in clients:
            try:
                c.close()
            except Exception:  # pragma: no cover
                pass


def _message(e: ClientError) -> str:
    return str((e.response.get("Error") or {}).get("Message") or e)


class RefreshingClient:
    """A botocore client that follows credential refreshes.

    Attribute access goes to the current client; API operations (``put_item``,
    ``get_object`` ...) run through `AwsClients.call`, so an expired token is
    renewed and the call sent once more. ``current`` is the botocore client
    itself (e.g. for `botocore.stub.Stubber`).
    """

    __slots__ = ("_aws", "_key")

    def __init__(self, aws: AwsClients, key: tuple[str, str | None, str, Config | None]):
        self._aws = aws
        self._key = key

    @property
    def current(self) -> Any:
        return self._aws.current(self._key)

    def __getattr__(self, name: str) -> Any:
        client = self._aws.current(self._key)
        attr = getattr(client, name)
        if name in client.meta.method_to_api_mapping:
            return functools.partial(self._op, name)
        return attr

    def _op(self, name: str, **params: Any) -> Any:
        return self._aws.call(self._key, name, params)

    def __repr__(self) -> str:
        return f"<RefreshingClient {self._key[0]} via {self._aws!r}>"
