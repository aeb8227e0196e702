"""botocore exceptions -> dynastore errors, in one place.

Every failure of a DynamoDB call goes through `translate`, so a user sees only
`DynastoreError` subclasses, each carrying the AWS error code and the botocore
exception as ``__cause__``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from botocore import exceptions as bx

from ..codec import deserialize_item
from ..errors import (
    CancellationReason,
    ConditionFailed,
    CredentialsExpired,
    DynastoreError,
    ItemTooLarge,
    StoreUnavailable,
    TableNotFound,
    TransactionCanceled,
    ValidationError,
    error_class_for,
)

#: Codes after which fresh credentials may help (the request was refused before it ran).
EXPIRED_CODES = frozenset({"ExpiredTokenException", "ExpiredToken", "RequestExpired"})

_ITEM_TOO_LARGE = re.compile(r"item size.*exceeded", re.IGNORECASE)
_REASONS_IN_MESSAGE = re.compile(r"\[([A-Za-z, ]*)\]\s*$")

_UNAVAILABLE = (bx.ConnectionError, bx.HTTPClientError)
_CREDENTIALS = (
    bx.NoCredentialsError,
    bx.PartialCredentialsError,
    bx.CredentialRetrievalError,
    bx.TokenRetrievalError,
    bx.SSOError,
    bx.NoAuthTokenError,
)


def _not_found_message(tables: Sequence[str] | None) -> str:
    if not tables:
        return "Requested resource not found"
    if len(tables) == 1:
        return f"Requested resource not found: Table: {tables[0]} not found"
    names = ", ".join(sorted(set(tables)))
    return f"Requested resource not found: one of the tables {names} does not exist"


def _reasons(response: dict[str, Any], message: str) -> list[CancellationReason]:
    raw = response.get("CancellationReasons")
    if raw is None:
        # Older servers put the codes only in the message: "... [ConditionalCheckFailed, None]".
        m = _REASONS_IN_MESSAGE.search(message)
        codes = [c.strip() for c in m.group(1).split(",")] if m else []
        return [CancellationReason(c) for c in codes if c]
    out = []
    for r in raw:
        item = r.get("Item")
        out.append(CancellationReason(r.get("Code", "None"), r.get("Message"), deserialize_item(item) if item else None))
    return out


def translate_client_error(e: bx.ClientError, tables: Sequence[str] | None) -> DynastoreError:
    """A DynamoDB error response -> the dynastore error of the same meaning."""
    response = e.response
    error = response.get("Error") or {}
    code = error.get("Code") or "InternalServerError"
    message = error.get("Message") or response.get("message") or str(e)
    if code == "ConditionalCheckFailedException":
        item = response.get("Item")
        return ConditionFailed(message, item=deserialize_item(item) if item else None, code=code, cause=e)
    if code == "TransactionCanceledException":
        return TransactionCanceled(message, reasons=_reasons(response, message), code=code, cause=e)
    if code == "ResourceNotFoundException":
        # DynamoDB says "Requested resource not found", DynamoDB Local "Cannot do
        # operations on a non-existent table": name the table either way.
        return TableNotFound(_not_found_message(tables), code=code, cause=e)
    if code == "ValidationException" and _ITEM_TOO_LARGE.search(message):
        return ItemTooLarge(message, code=code, cause=e)
    return error_class_for(code)(message, code=code, cause=e)


def translate(e: BaseException, tables: Sequence[str] | None = None, endpoint: str | None = None) -> DynastoreError:
    """Any botocore exception -> a DynastoreError (never lets a botocore type escape)."""
    if isinstance(e, bx.ClientError):
        return translate_client_error(e, tables)
    where = endpoint or "DynamoDB"
    if isinstance(e, _UNAVAILABLE):
        return StoreUnavailable(f"cannot reach {where}: {e}", cause=e)
    if isinstance(e, _CREDENTIALS):
        return CredentialsExpired(
            f"no usable AWS credentials ({e}): set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, choose a profile "
            "(profile= in the URL or AWS_PROFILE), or pass aws_access_key_id/aws_secret_access_key",
            code="MissingAuthenticationTokenException",
            cause=e,
        )
    if isinstance(e, bx.NoRegionError):
        return ValidationError(
            "no AWS region: pass region= (dynamodb://?region=eu-west-1) or set AWS_REGION/AWS_DEFAULT_REGION",
            cause=e,
        )
    if isinstance(e, bx.ProfileNotFound):
        return ValidationError(f"{e}: check the profile name and ~/.aws/config", cause=e)
    if isinstance(e, bx.ParamValidationError):
        return ValidationError(str(e), cause=e)
    if isinstance(e, bx.BotoCoreError):
        return DynastoreError(str(e), cause=e)
    return DynastoreError(f"{type(e).__name__}: {e}", cause=e)
