"""Asking dynastore's parser and DynamoDB Local the same question."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from dynastore.errors import ValidationError
from dynastore.expressions.parse import (
    parse_condition,
    parse_key_condition,
    parse_projection,
    parse_update,
)

KEY = {"pk": {"S": "k"}, "sk": {"S": "k"}}


def ours(kind: str, text: str, names: Any, values: Any) -> str | None:
    """What dynastore's parser says: None when it accepts, else its message."""
    try:
        if kind == "cond":
            parse_condition(text, names, values)
        elif kind == "filter":
            parse_condition(text, names, values, what="FilterExpression")
        elif kind == "key":
            parse_key_condition(
                text, names, values, partition_key="pk", sort_key="sk", key_types={"pk": "S", "sk": "S"}
            )
        elif kind == "update":
            parse_update(text, names, values, key_names=("pk", "sk"))
        else:
            assert values is None
            parse_projection(text, names)
    except ValidationError as e:
        return e.message
    return None


def dynamodb_says(
    client: Any, table: str, kind: str, text: str, names: Any, values: Any, expected: str | None
) -> str | None:
    """DynamoDB's ValidationException message for the expression, None when it accepts it.

    Requests are shaped never to write: conditions go on a delete of an absent
    item, and updates DynamoDB accepts carry a condition that cannot hold (not
    the refused ones: DynamoDB checks some rules, such as key attributes as
    targets, only after the condition).
    """
    kw: dict[str, Any] = {"TableName": table}
    if names is not None:
        kw["ExpressionAttributeNames"] = names
    if values is not None:
        kw["ExpressionAttributeValues"] = values
    try:
        if kind == "cond":
            client.delete_item(Key=KEY, ConditionExpression=text, **kw)
        elif kind == "filter":
            client.scan(FilterExpression=text, **kw)
        elif kind == "key":
            client.query(KeyConditionExpression=text, **kw)
        elif kind == "update":
            if expected is None:
                kw["ConditionExpression"] = "attribute_exists(never_there)"
            client.update_item(Key=KEY, UpdateExpression=text, **kw)
        else:
            client.get_item(Key=KEY, ProjectionExpression=text, **kw)
    except ClientError as e:
        err = e.response["Error"]
        if err["Code"] == "ConditionalCheckFailedException":
            return None
        assert err["Code"] == "ValidationException", err
        return _in_recorded_order(str(err["Message"]), expected)
    return None


_TYPE_SET = re.compile(r"\{[A-Z]+(?:,[A-Z]+)+\}")


def _in_recorded_order(message: str, expected: str | None) -> str:
    """DynamoDB Local prints the set of attribute types in a Java HashSet's order, which changes
    from one JVM to the next; the same set in another order is the same answer."""
    if expected is None:
        return message
    ours, theirs = _TYPE_SET.findall(expected), _TYPE_SET.findall(message)
    if len(ours) != len(theirs) or _TYPE_SET.sub("{}", message) != _TYPE_SET.sub("{}", expected):
        return message
    if all(sorted(a[1:-1].split(",")) == sorted(b[1:-1].split(",")) for a, b in zip(ours, theirs)):
        return expected
    return message
