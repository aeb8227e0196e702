"""Helpers for tests and benchmarks: throwaway local DynamoDB Local and moto servers, and tables."""

from dynastore.testing.servers import (
    LocalServer,
    dynamodb_local,
    free_port,
    install_dynamodb_local,
    moto_server,
)
from dynastore.testing.tables import drop_tables

__all__ = ["LocalServer", "drop_tables", "dynamodb_local", "free_port", "install_dynamodb_local", "moto_server"]
