"""A web console for the store's tables and items (what dynamodb-admin is to DynamoDB Local), built in.

``create_console_app(ctx)`` is the FastAPI application, mounted at ``/console`` by
``dynastore serve``; it works on whatever store the application has, embedded or DynamoDB.
Who may open it is decided in `access` (loopback only, or a password).
"""

from .app import console_component, create_console_app

__all__ = ["console_component", "create_console_app"]
