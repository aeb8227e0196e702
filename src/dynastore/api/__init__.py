"""dynastore's REST API: the seed applications' stores over HTTP (FastAPI, OpenAPI at ``/docs``).

``create_app(store)`` builds the application; ``dynastore serve`` runs it.
"""

from .app import ROUTERS, create_app
from .context import ApiContext, Component, Context, context
from .errors import ERROR_RESPONSES, ErrorBody

__all__ = ["ROUTERS", "ApiContext", "Component", "Context", "ERROR_RESPONSES", "ErrorBody", "context", "create_app"]
