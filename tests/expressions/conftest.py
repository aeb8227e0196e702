"""The ``live`` fixture: a boto3 client and a table (keys pk, sk: strings) on DynamoDB Local."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def live(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str]]:
    engines = os.environ.get("DYNASTORE_TEST_ENGINES", "")
    if engines and "dynamodb" not in engines.split(","):
        pytest.skip("DynamoDB Local not among DYNASTORE_TEST_ENGINES")
    # only now, so that a skipped run does not start a server
    dynamodb_local_endpoint: str = request.getfixturevalue("dynamodb_local_endpoint")
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_local_endpoint,
        region_name="us-east-1",
        aws_access_key_id="dummy",
        aws_secret_access_key="dummy",
        config=Config(retries={"max_attempts": 2}),
    )
    table = f"expr{uuid.uuid4().hex[:10]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        yield client, table
    finally:
        client.delete_table(TableName=table)
