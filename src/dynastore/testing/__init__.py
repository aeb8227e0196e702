"""Helpers for tests and benchmarks: throwaway local DynamoDB Local and moto servers."""

from dynastore.testing.servers import (
    LocalServer,
    dynamodb_local,
    free_port,
    install_dynamodb_local,
    moto_server,
)

__all__ = ["LocalServer", "dynamodb_local", "free_port", "install_dynamodb_local", "moto_server"]
