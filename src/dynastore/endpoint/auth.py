"""SigV4 as DynamoDB sees it: whose request (access key, region), and optionally is it signed right."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import quote

from .wire import ApiError

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-fA-F]+)")


class Caller:
    __slots__ = ("access_key", "region", "date", "signed_headers", "signature")

    def __init__(self, access_key: str, region: str, date: str, signed_headers: list[str], signature: str):
        self.access_key = access_key
        self.region = region
        self.date = date
        self.signed_headers = signed_headers
        self.signature = signature


def _missing() -> ApiError:
    return ApiError("MissingAuthenticationToken",
                    "Request must contain either a valid (registered) AWS access key ID or X.509 certificate.")


def caller(authorization: str | None) -> Caller:
    """The caller named by an ``Authorization: AWS4-HMAC-SHA256 Credential=...`` header."""
    if not authorization:
        raise _missing()
    m = _CREDENTIAL.search(authorization)
    if m is None:
        raise _missing()
    signed = _SIGNED.search(authorization)
    signature = _SIGNATURE.search(authorization)
    return Caller(m.group(1), m.group(3), m.group(2), signed.group(1).split(";") if signed else [],
                  signature.group(1) if signature else "")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def verify(c: Caller, secrets: Mapping[str, str], method: str, path: str, headers: Mapping[str, str],
           body: bytes) -> None:
    """Check the signature against the caller's configured secret key (UnrecognizedClient / InvalidSignature)."""
    secret = secrets.get(c.access_key)
    if secret is None:
        raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.")
    lower = {k.lower(): v for k, v in headers.items()}
    amz_date = lower.get("x-amz-date", "")
    canonical_headers = "".join(f"{h}:{' '.join(lower.get(h, '').split())}\n" for h in c.signed_headers)
    payload = lower.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method, quote(path or "/", safe="/~"), "", canonical_headers,
                           ";".join(c.signed_headers), payload])
    scope = f"{c.date}/{c.region}/dynamodb/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), c.date), c.region), "dynamodb"), "aws4_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, c.signature.lower()):
        raise ApiError("InvalidSignatureException",
                       "The request signature we calculated does not match the signature you provided. Check your "
                       "AWS Secret Access Key and signing method. Consult the service documentation for details.")
