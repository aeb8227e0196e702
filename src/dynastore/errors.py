"""One flat error hierarchy, by meaning rather than by operation.

Every engine raises these and only these, so code written against the embedded
engine handles the same failures on DynamoDB. Each error keeps the AWS error
code it corresponds to (the one DynamoDB itself would return) and, where there
was one, the underlying exception as ``__cause__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DynastoreError(Exception):
    """Base of every error dynastore raises."""

    #: DynamoDB's error code for this failure (``ValidationException`` ...).
    default_code: str = "InternalServerError"

    def __init__(self, message: str, *, code: str | None = None, cause: BaseException | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        if cause is not None:
            self.__cause__ = cause

    @property
    def cause(self) -> BaseException | None:
        return self.__cause__


class ValidationError(DynastoreError, ValueError):
    """The request breaks one of DynamoDB's rules; nothing was written."""

    default_code = "ValidationException"


class ItemTooLarge(ValidationError):
    """An item (or the result of an update) exceeds DynamoDB's 400 KB."""


class ItemNotFound(DynastoreError, LookupError):
    """A read that requires the item found none."""

    default_code = "ResourceNotFoundException"


class TableNotFound(DynastoreError, LookupError):
    """The table (or index) does not exist."""

    default_code = "ResourceNotFoundException"


class TableExists(DynastoreError):
    """A table with that name already exists with a different definition."""

    default_code = "ResourceInUseException"


class ConditionFailed(DynastoreError):
    """A condition expression evaluated to false; nothing was written.

    ``item`` holds the item as it was, when the caller asked for it
    (``return_values_on_condition_failure``) and the engine supplied it.
    """

    default_code = "ConditionalCheckFailedException"

    def __init__(self, message: str, *, item: dict[str, Any] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.item = item


class VersionConflict(ConditionFailed):
    """Optimistic locking: the item's version is not the one this write expected."""


@dataclass(frozen=True)
class CancellationReason:
    """Why one action of a cancelled transaction failed (``code`` is DynamoDB's)."""

    code: str
    message: str | None = None
    item: dict[str, Any] | None = None


class TransactionCanceled(DynastoreError):
    """A transaction was cancelled; ``reasons`` has one entry per action, in order."""

    default_code = "TransactionCanceledException"

    def __init__(self, message: str, *, reasons: list[CancellationReason], **kw: Any):
        super().__init__(message, **kw)
        self.reasons = reasons


class IdempotencyMismatch(DynastoreError):
    """A transaction token was reused within 10 minutes for a different request."""

    default_code = "IdempotentParameterMismatchException"


class Throttled(DynastoreError):
    """The service kept throttling after all retries.

    After a batch gives up, what was not done is on the error, so nothing is lost:
    ``unprocessed_puts`` (items) and ``unprocessed_deletes`` (keys) of a batch write,
    ``unprocessed_keys`` of a batch get; send them again later.
    """

    default_code = "ThrottlingException"

    def __init__(self, message: str, *, unprocessed_puts: list[dict[str, Any]] | None = None,
                 unprocessed_deletes: list[dict[str, Any]] | None = None,
                 unprocessed_keys: list[dict[str, Any]] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.unprocessed_puts = unprocessed_puts or []
        self.unprocessed_deletes = unprocessed_deletes or []
        self.unprocessed_keys = unprocessed_keys or []


class StoreUnavailable(DynastoreError):
    """The engine could not be reached (network, endpoint down, file locked)."""

    default_code = "ServiceUnavailable"


class CredentialsExpired(DynastoreError):
    """AWS rejected the credentials as expired or invalid, even after refreshing them."""

    default_code = "ExpiredTokenException"


class StreamTrimmed(DynastoreError, LookupError):
    """A stream position points at records already trimmed (older than the 24-hour retention)."""

    default_code = "TrimmedDataAccessException"


class IteratorExpired(DynastoreError):
    """A stream shard iterator is older than 15 minutes; ask for a new one from a sequence number."""

    default_code = "ExpiredIteratorException"


# DynamoDB error code -> our class. Codes not listed map to DynastoreError.
_BY_CODE: dict[str, type[DynastoreError]] = {
    "ValidationException": ValidationError,
    "SerializationException": ValidationError,
    "ConditionalCheckFailedException": ConditionFailed,
    "TransactionCanceledException": TransactionCanceled,
    "IdempotentParameterMismatchException": IdempotencyMismatch,
    "ResourceNotFoundException": TableNotFound,
    "ResourceInUseException": TableExists,
    "ProvisionedThroughputExceededException": Throttled,
    "ThrottlingException": Throttled,
    "RequestLimitExceeded": Throttled,
    "LimitExceededException": Throttled,
    "ServiceUnavailable": StoreUnavailable,
    "InternalServerError": StoreUnavailable,
    "ExpiredTokenException": CredentialsExpired,
    "ExpiredToken": CredentialsExpired,
    "RequestExpired": CredentialsExpired,
    "UnrecognizedClientException": CredentialsExpired,
    "InvalidSignatureException": CredentialsExpired,
    "MissingAuthenticationTokenException": CredentialsExpired,
    "AccessDeniedException": DynastoreError,
    "TrimmedDataAccessException": StreamTrimmed,
    "ExpiredIteratorException": IteratorExpired,
}


def error_class_for(code: str) -> type[DynastoreError]:
    """The dynastore error class for a DynamoDB error code."""
    return _BY_CODE.get(code, DynastoreError)
