"""``dynastore endpoint``: a DynamoDB-compatible HTTP server over the embedded engine (see docs/endpoint.md)."""

from .server import EndpointServer
from .service import Service

__all__ = ["EndpointServer", "Service"]
