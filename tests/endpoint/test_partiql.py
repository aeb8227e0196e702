"""PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) as DynamoDB Local answers it.

Every request goes through boto3 to DynamoDB Local and to `dynastore endpoint`, and both must answer
alike: the same items (order aside where DynamoDB does not promise one), the same error code and
message. Where the endpoint departs from DynamoDB Local on purpose, the test says why:

- a duplicate INSERT fails with ``DuplicateItemException`` (the error DynamoDB's API model and boto3
  know); DynamoDB Local answers ``DuplicateItem``, which boto3 cannot map to its exception class;
- DynamoDB Local returns no ConsumedCapacity for PartiQL; the endpoint returns DynamoDB's.
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance._support import unique_name
from dynastore.errors import ValidationError
from dynastore.expressions import partiql
from dynastore.expressions.parse import run_rules
from dynastore.expressions.partiql import Insert, parse_statement

from ._raw import canonical, send, table_on_each
from .test_clients import CREDENTIALS, _aws

KEYED = {
    "BillingMode": "PAY_PER_REQUEST",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "g", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "ALL"}}],
}
HASHED = {"BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
          "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
ROWS = [{"pk": {"S": p}, "sk": {"N": str(k)}, "v": {"N": str(k * 10)}, "g": {"S": "x" if k % 2 else "y"},
         "m": {"M": {"c": {"N": "1"}}}, "l": {"L": [{"S": "q"}]}, "ss": {"SS": ["a", "b"]}}
        for p in "ab" for k in range(5)]


def outcome(call: Any, *, ordered: bool = True) -> Any:
    """What a call answered, comparable across servers: its items (sets sorted), or its error."""
    try:
        r = call()
    except ClientError as e:
        err = e.response["Error"]
        extra = {k: canonical(v) for k, v in e.response.items() if k in ("CancellationReasons", "Item")}
        return ("error", err["Code"], err.get("Message"), json.dumps(extra, sort_keys=True))
    r = {k: canonical(v) for k, v in r.items() if k not in ("ResponseMetadata", "NextToken", "LastEvaluatedKey",
                                                                "ConsumedCapacity")}
    if not ordered and "Items" in r:
        r["Items"] = sorted(r["Items"], key=lambda i: json.dumps(i, sort_keys=True))
    return r


@pytest.fixture(scope="module")
def clients(servers: dict[str, str]) -> dict[str, Any]:
    return {name: boto3.client("dynamodb", endpoint_url=url, **CREDENTIALS) for name, url in servers.items()}


@pytest.fixture(scope="module")
def tables(servers: dict[str, str]) -> Any:
    """A keyed table (pk S, sk N, index byg) with ROWS on both servers; and a fresh hash-keyed one per test."""
    name = unique_name("pq-keyed")
    with table_on_each(servers, {"TableName": name, **KEYED}, ROWS):
        yield name


@pytest.fixture
def hashed(servers: dict[str, str]) -> Any:
    with table_on_each(servers, {"TableName": unique_name("pq-hashed"), **HASHED}) as name:
        yield name


def same(clients: dict[str, Any], method: str, *, ordered: bool = True, **kw: Any) -> Any:
    got = {name: outcome(lambda c=c: getattr(c, method)(**kw), ordered=ordered) for name, c in clients.items()}
    assert got["endpoint"] == got["local"], kw
    return got["endpoint"]


def test_select_as_query_or_scan(clients: dict[str, Any], tables: Any) -> None:
    keyed = tables
    cases: list[tuple[str, list[Any] | None, bool]] = [
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk > 2', None, True),
        (f"SELECT * FROM \"{keyed}\" WHERE pk = ?", [{"S": "b"}], True),
        (f'SELECT pk, v, m.c, l[0] FROM "{keyed}" WHERE pk IN [\'a\', \'b\'] AND sk = 1', None, True),
        (f'SELECT * FROM "{keyed}" WHERE v > 25', None, False),
        (f'SELECT * FROM "{keyed}"."byg" WHERE g = \'x\'', None, False),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' ORDER BY sk DESC', None, True),
        (f'SELECT * FROM "{keyed}" WHERE pk IN [\'a\',\'b\'] ORDER BY sk DESC', None, True),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk BETWEEN 1 AND 2', None, True),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk IN [1, 3]', None, True),
        (f'SELECT * FROM "{keyed}" WHERE v IS MISSING', None, False),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk = 1 AND v IS NOT MISSING AND attribute_type(v, \'N\') '
         "AND size(l) = 1 AND contains(ss, 'a') AND NOT v = 3 AND (v < 0 OR v <> 5)", None, True),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND v = NULL', None, True),
        (f"select * from \"{keyed}\" where pk = 'a' and sk = 1.0", None, True),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk = 1 AND sk = 2', None, True),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' OR pk = \'b\'', None, False),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'b\' AND sk >= ? AND begins_with(g, ?)', [{"N": "2"}, {"S": "y"}], True),
    ]
    for statement, params, ordered in cases:
        kw: dict[str, Any] = {"Statement": statement} | ({"Parameters": params} if params else {})
        got = same(clients, "execute_statement", ordered=ordered, **kw)
        assert "Items" in got, (statement, got)
    # the answers are the rows DynamoDB means, not just the same on both sides
    # (SELECT sk ... ORDER BY sk fails with a 500 on DynamoDB Local: its bug, so the test projects nothing)
    got = same(clients, "execute_statement", Statement=f'SELECT * FROM "{keyed}" WHERE pk = \'a\' ORDER BY sk DESC')
    assert [i["sk"]["N"] for i in got["Items"]] == ["4", "3", "2", "1", "0"]
    got = same(clients, "execute_statement", Statement=f'SELECT pk, m.c, l[0] FROM "{keyed}" WHERE pk = \'a\' AND sk = 1')
    assert got["Items"] == [{"pk": {"S": "a"}, "c": {"N": "1"}, "l[0]": {"S": "q"}}]


def test_select_pages_with_next_token(clients: dict[str, Any], tables: Any) -> None:
    keyed = tables
    for statement in (f'SELECT * FROM "{keyed}" WHERE pk = \'a\'', f'SELECT * FROM "{keyed}" WHERE v >= 10',
                      f'SELECT * FROM "{keyed}" WHERE pk IN [\'b\', \'a\'] AND sk < 4'):
        pages: dict[str, list[Any]] = {}
        for name, c in clients.items():
            seen: list[Any] = []
            kw: dict[str, Any] = {"Statement": statement, "Limit": 3}
            for _ in range(20):
                r = c.execute_statement(**kw)
                seen += r["Items"]
                if "NextToken" not in r:
                    break
                kw["NextToken"] = r["NextToken"]
            pages[name] = sorted(json.dumps(canonical(i), sort_keys=True) for i in seen)
        assert pages["endpoint"] == pages["local"] and pages["endpoint"], statement
    # a token is opaque and checked: made up, or taken to another statement, it is refused
    token = clients["endpoint"].execute_statement(Statement=f'SELECT * FROM "{keyed}" WHERE pk = \'a\'', Limit=2)["NextToken"]
    for bad in ("abc", token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")):
        same(clients, "execute_statement", Statement=f'SELECT * FROM "{keyed}" WHERE pk = \'a\'', Limit=2, NextToken=bad)
    with pytest.raises(ClientError, match="Invalid NextToken"):
        clients["endpoint"].execute_statement(Statement=f'SELECT * FROM "{keyed}" WHERE pk = \'b\'', Limit=2,
                                              NextToken=token)


def test_insert_update_delete(clients: dict[str, Any], hashed: str) -> None:
    t = f'"{hashed}"'
    same(clients, "execute_statement", Statement=f"INSERT INTO {t} VALUE {{'pk': 'i1', 'n': 1, 's': <<'x','y'>>, "
         "'ns': <<1,2>>, 'l': [1, 'a', TRUE, NULL], 'm': {'q': {'r': 2}}, 'b': ?, 'neg': -1.5e2}",
         Parameters=[{"B": b"\x00\x01"}])
    got = same(clients, "execute_statement", Statement=f"SELECT * FROM {t} WHERE pk = 'i1'")
    assert got["Items"][0]["neg"] == {"N": "-150"} and got["Items"][0]["b"] == {"B": b"\x00\x01"}
    # a duplicate key: the same message; DynamoDB's exception name (see the module's docstring)
    dup = {n: outcome(lambda c=c: c.execute_statement(Statement=f"INSERT INTO {t} VALUE {{'pk': 'i1'}}"))
           for n, c in clients.items()}
    assert dup["endpoint"][:3] == ("error", "DuplicateItemException", "Duplicate primary key exists in table")
    assert dup["local"][1:3] == ("DuplicateItem", "Duplicate primary key exists in table")
    for statement in (
        f"UPDATE {t} SET n = n + 1 SET m.q.r = 5 REMOVE s WHERE pk = 'i1'",
        f"UPDATE {t} SET l = list_append(l, [5]) SET ns = set_add(ns, <<7>>) WHERE pk = 'i1' RETURNING ALL NEW *",
        f"UPDATE {t} SET ns = set_delete(ns, <<1>>) WHERE pk = 'i1' RETURNING MODIFIED OLD *",
        f"UPDATE {t} SET n = n - 1 WHERE pk = 'i1' AND n = 2 RETURNING MODIFIED NEW *",
        f"UPDATE {t} SET n = n + 1 WHERE pk = 'nope'",  # UPDATE never creates: the condition fails
        f"UPDATE {t} SET n = n + 1 WHERE pk = 'i1' AND n = 100",
        f"SELECT * FROM {t} WHERE pk = 'i1'",
        f"DELETE FROM {t} WHERE pk = 'nope'",  # DELETE of nothing succeeds ...
        f"DELETE FROM {t} WHERE pk = 'nope' AND x = 3",  # ... whatever its condition, on DynamoDB Local
        f"DELETE FROM {t} WHERE pk = 'i1' AND n = 0",
        f"DELETE FROM {t} WHERE pk = 'i1' RETURNING ALL OLD *",
        f"SELECT * FROM {t} WHERE pk = 'i1'",
    ):
        same(clients, "execute_statement", Statement=statement)
    same(clients, "execute_statement", Statement=f"INSERT INTO {t} VALUE {{'pk': 'i2', 'n': 1}}")
    failed = same(clients, "execute_statement", Statement=f"UPDATE {t} SET n = 3 WHERE pk = 'i2' AND n = 2",
                  ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert failed == ("error", "ConditionalCheckFailedException", "The conditional request failed",
                      json.dumps({"Item": {"n": {"N": "1"}, "pk": {"S": "i2"}}}, sort_keys=True))


def test_validation_errors_as_dynamodb_local(clients: dict[str, Any], servers: dict[str, str], tables: Any, hashed: str) -> None:
    keyed = tables
    same(clients, "execute_statement", Statement=f"INSERT INTO \"{hashed}\" VALUE {{'pk': 'v1', 'n': 1}}")
    for statement, params in [
        ('SELECT * FROM "nope-table"', None),
        (f'SELECT * FROM "{keyed}" WHERE pk = ?', None),
        (f'SELECT * FROM "{keyed}" WHERE', None),
        (f'SELEC * FROM "{keyed}"', None),
        ("SELEC", None),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND begins_with(sk, 1)', None),
        (f'SELECT * FROM "{keyed}" WHERE v > 1 ORDER BY pk', None),
        (f'SELECT * FROM "{keyed}" ORDER BY pk', None),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' ORDER BY v', None),
        (f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk = ?', [{"S": "x"}]),
        (f'SELECT * FROM "{keyed}" WHERE pk = 1', None),
        (f'SELECT * FROM "{keyed}"."nope" WHERE pk = \'a\'', None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'n': 1}}", None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'pk': 1}}", None),
        (f'UPDATE "{hashed}" SET n = 5 WHERE n = 1', None),
        (f"UPDATE \"{hashed}\" SET pk = 'z' WHERE pk = 'v1'", None),
        (f"UPDATE \"{hashed}\" SET n = n + 'a' WHERE pk = 'v1'", None),
        (f'DELETE FROM "{hashed}" WHERE x = 3', None),
        (f"DELETE FROM \"{hashed}\" WHERE pk = 'v1' RETURNING ALL NEW *", None),
        ("x" * 8193, None),
        (f"EXISTS(SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND sk = 1 AND v = 1)", None),
        (f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND v = -10 + 20", None),
        (f"SELECT \"pk\", \"m\".\"c\", m['c'] FROM \"{keyed}\" WHERE \"pk\" = 'a' AND \"sk\" = 1", None),
        (f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND attribute_type(v, 'X')", None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'pk': 'z1', 's': <<>>}}", None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'pk': 'z1', 's': <<1, 'a'>>}}", None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'pk': 'z1',\n 'x': MISSING}}", None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'pk': 'z3', 'pk': 'z4'}}", None),
        (f"INSERT INTO \"{hashed}\" VALUE {{'pk': ''}}", None),
        (f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND begins_with(sk, 'x')", None),
        (f"SELECT * FROM \"{keyed}\" WHERE begins_with(sk, 'x')", None),
        (f"SELECT * FROM \"{keyed}\" WHERE sk > 'x'", None),
        (f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND sk BETWEEN 'a' AND 'b'", None),
        (f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND sk = 1 AND sk > 'x'", None),
    ]:
        kw: dict[str, Any] = {"Statement": statement} | ({"Parameters": params} if params else {})
        got = same(clients, "execute_statement", **kw)
        assert got[0] == "error", statement
    # what the same statements may also say: a trailing semicolon, IS [NOT] NULL, 1e0, .5, != and IN (...)
    for statement in (f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND sk = 1;",
                      f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND sk = 1e0 AND v IS NOT NULL AND NOT (g IS NULL)",
                      f"SELECT * FROM \"{keyed}\" WHERE pk = 'a' AND sk < .5 OR pk = 'b' AND sk != 1 AND g IN ('x')"):
        assert same(clients, "execute_statement", Statement=statement, ordered=False)["Items"], statement
    # what boto3 would refuse before sending
    for body, message in [
        ({"Statement": ""}, "Statement wasn't well formed, can't be processed: "),
        ({"Statement": f'SELECT * FROM "{keyed}" WHERE pk = \'a\'', "Limit": 0},
         "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value "
         "greater than or equal to 1"),
    ]:
        raw = {n: send(url, "ExecuteStatement", body) for n, url in servers.items()}
        assert {(r.status, r.error_type, r.message) for r in raw.values()} == {(400, "ValidationException", message)}
    bad_value = {n: send(url, "ExecuteStatement", {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = ?',
                                                   "Parameters": [{"Q": "x"}]}) for n, url in servers.items()}
    assert len({(r.status, r.error_type, r.message) for r in bad_value.values()}) == 1
    assert bad_value["endpoint"].status == 400


def test_batch_execute_statement(clients: dict[str, Any], tables: Any, hashed: str) -> None:
    keyed = tables
    h = f'"{hashed}"'
    reads = same(clients, "batch_execute_statement", Statements=[
        {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = ? AND sk = ?', "Parameters": [{"S": "a"}, {"N": "1"}]},
        {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = \'zz\' AND sk = 1'},
        {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = \'a\''},
        {"Statement": 'SELECT * FROM "nope-table" WHERE pk = \'a\' AND sk = 1'},
        {"Statement": f'SELECT v FROM "{keyed}" WHERE pk = \'a\' AND sk = 2', "ConsistentRead": True},
        {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = \'a\' AND sk = 2 AND v = 9'},
        {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = 5 AND sk = 2'},
        {"Statement": f"SELEC * FROM \"{keyed}\" WHERE pk = 'b1'"},
        {"Statement": f'SELECT * FROM "{keyed}" WHERE pk = ?'},
    ])
    codes = [r.get("Error", {}).get("Code") for r in reads["Responses"]]
    assert codes == [None, None, "ValidationError", "ResourceNotFound", None, "ValidationError", "ValidationError",
                     "ValidationError", "ValidationError"]
    assert reads["Responses"][4]["Item"] == {"v": {"N": "20"}}
    same(clients, "execute_statement", Statement=f"INSERT INTO {h} VALUE {{'pk': 'b1', 'x': 1}}")
    same(clients, "execute_statement", Statement=f"INSERT INTO {h} VALUE {{'pk': 'b2'}}")
    writes = same(clients, "batch_execute_statement", Statements=[
        {"Statement": f"INSERT INTO {h} VALUE {{'pk': 'c2'}}"},
        {"Statement": f"UPDATE {h} SET x = 2 WHERE pk = 'b1'"},
        {"Statement": f"UPDATE {h} SET x = 1 WHERE pk = 'nope'"},
        {"Statement": f"DELETE FROM {h} WHERE pk = 'b3' AND x = 3"},
        {"Statement": f"INSERT INTO {h} VALUE {{'pk': 'c5', 'z': 1}}"},
        {"Statement": "INSERT INTO \"nope-table\" VALUE {'pk': 'b5'}"},
        {"Statement": f"INSERT INTO {h} VALUE {{'pk': 5}}"},
        {"Statement": f"UPDATE {h} SET a = 1 WHERE x = 5"},
        {"Statement": f"INSERT INTO {h} VALUE {{'x': 'b1'}}"},
        {"Statement": f"UPDATE {h} SET x = 3 WHERE pk = 'b2' AND x = 9", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
    ])
    assert [r.get("Error", {}).get("Code") for r in writes["Responses"]] == [
        None, None, "ConditionalCheckFailed", None, None, "ResourceNotFound", "ValidationError", "ValidationError",
        "ValidationError", "ConditionalCheckFailed"]
    assert writes["Responses"][9]["Error"]["Item"] == {"pk": {"S": "b2"}}
    same(clients, "execute_statement", Statement=f"SELECT * FROM {h}", ordered=False)
    for statements in (
        [{"Statement": f"INSERT INTO {h} VALUE {{'pk': 'b3'}}"}, {"Statement": f"SELECT * FROM {h} WHERE pk = 'b1'"}],
        [{"Statement": f"SELECT * FROM {h} WHERE pk = 'b{i}'"} for i in range(26)],
        [{"Statement": f"INSERT INTO {h} VALUE {{'pk': 'n{i}'}}"} for i in range(26)],
    ):
        assert same(clients, "batch_execute_statement", Statements=statements)[0] == "error"
    before = same(clients, "execute_statement", Statement=f"SELECT * FROM {h}", ordered=False)
    # one item twice: refused alike, but DynamoDB Local runs the statements all the same (its bug); nothing is
    # written when the request is refused, as DynamoDB documents
    twice = same(clients, "batch_execute_statement", Statements=[
        {"Statement": f"UPDATE {h} SET x = 1 WHERE pk = 'b1'"}, {"Statement": f"DELETE FROM {h} WHERE pk = 'b1'"}])
    assert twice[1:3] == ("ValidationException", "Provided list of item keys contains duplicates")
    assert outcome(lambda: clients["endpoint"].execute_statement(Statement=f"SELECT * FROM {h}"), ordered=False) == before


def test_execute_transaction(clients: dict[str, Any], hashed: str) -> None:
    h = f'"{hashed}"'
    for row in ("t-b1", "t-b2", "t-b4"):
        same(clients, "execute_statement", Statement=f"INSERT INTO {h} VALUE {{'pk': '{row}', 'x': 1}}")
    token = uuid.uuid4().hex
    writes = [
        {"Statement": f"INSERT INTO {h} VALUE {{'pk': 't-t1'}}"},
        {"Statement": f"UPDATE {h} SET x = 5 WHERE pk = 't-b1'"},
        {"Statement": f"DELETE FROM {h} WHERE pk = 't-b2'"},
        {"Statement": f"EXISTS(SELECT * FROM {h} WHERE pk = 't-b4' AND x = 1)"},
    ]
    assert same(clients, "execute_transaction", TransactStatements=writes, ClientRequestToken=token) == {"Responses": []}
    same(clients, "execute_statement", Statement=f"SELECT * FROM {h}", ordered=False)
    # the same token and statements again: answered, not applied twice; other statements: refused
    same(clients, "execute_transaction", TransactStatements=writes, ClientRequestToken=token)
    same(clients, "execute_transaction", TransactStatements=writes[:1], ClientRequestToken=token)
    failed = same(clients, "execute_transaction", TransactStatements=[
        {"Statement": f"INSERT INTO {h} VALUE {{'pk': 't-t1'}}"},
        {"Statement": f"UPDATE {h} SET x = 6 WHERE pk = 't-b1' AND x = 1", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": f"UPDATE {h} SET x = 6 WHERE pk = 'nope'"},
        {"Statement": f"DELETE FROM {h} WHERE pk = 'nope2'"},
        {"Statement": f"EXISTS(SELECT * FROM {h} WHERE pk = 'nope3' AND x = 1)"},
    ])
    assert failed[1] == "TransactionCanceledException"
    same(clients, "execute_statement", Statement=f"SELECT * FROM {h}", ordered=False)
    reads = same(clients, "execute_transaction", TransactStatements=[
        {"Statement": f"SELECT * FROM {h} WHERE pk = 't-t1'"},
        {"Statement": f"SELECT x FROM {h} WHERE pk = 't-b1'"},
        {"Statement": f"SELECT x FROM {h} WHERE pk = 'nope'"},
    ])
    assert reads == {"Responses": [{"Item": {"pk": {"S": "t-t1"}}}, {"Item": {"x": {"N": "5"}}}, {}]}
    for statements in (
        [{"Statement": f"SELECT * FROM {h} WHERE pk = 't-t1'"}, {"Statement": f"INSERT INTO {h} VALUE {{'pk': 't7'}}"}],
        [{"Statement": f"SELECT * FROM {h} WHERE pk > 't1'"}],
        [{"Statement": "SELEC"}],
        [{"Statement": "INSERT INTO \"nope-table\" VALUE {'pk': 't7'}"}],
        [{"Statement": f"INSERT INTO {h} VALUE {{'pk': 't8'}}"}, {"Statement": f"UPDATE {h} SET a=1 WHERE pk='t8'"}],
        [{"Statement": f"UPDATE {h} SET a = 1 WHERE pk = 't-b1' AND sk = 3"}],
        [{"Statement": f"UPDATE {h} SET a = 1 WHERE pk = 5"}],
        [{"Statement": f"UPDATE {h} SET a = 1 WHERE pk = ?"}],
        [{"Statement": f"EXISTS(SELECT * FROM {h} WHERE pk = 't-b4')"}],
        [{"Statement": f"INSERT INTO {h} VALUE {{'pk': 'n{i}'}}"} for i in range(101)],
    ):
        assert same(clients, "execute_transaction", TransactStatements=statements)[0] == "error", statements
    same(clients, "execute_statement", Statement=f"SELECT * FROM {h}", ordered=False)


def test_consumed_capacity_as_dynamodb(clients: dict[str, Any], tables: Any, hashed: str) -> None:
    """DynamoDB Local returns none for PartiQL; the endpoint returns DynamoDB's, as for the item operations."""
    keyed = tables
    c = clients["endpoint"]
    r = c.execute_statement(Statement=f'SELECT * FROM "{keyed}" WHERE pk = \'a\'', ReturnConsumedCapacity="TOTAL",
                            ConsistentRead=True)
    assert r["ConsumedCapacity"] == {"TableName": keyed, "CapacityUnits": 1.0}
    r = c.execute_statement(Statement=f"INSERT INTO \"{hashed}\" VALUE {{'pk': 'cap'}}", ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": hashed, "CapacityUnits": 1.0}
    r = c.batch_execute_statement(Statements=[{"Statement": f"SELECT * FROM \"{hashed}\" WHERE pk = 'cap'"}],
                                  ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == [{"TableName": hashed, "CapacityUnits": 0.5}]
    r = c.execute_transaction(TransactStatements=[{"Statement": f"DELETE FROM \"{hashed}\" WHERE pk = 'cap'"}],
                              ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == [{"TableName": hashed, "CapacityUnits": 2.0}]


def test_aws_cli_execute_statement(dynastore_endpoint: str) -> None:
    name = unique_name("pq-cli")
    _aws(dynastore_endpoint, "create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
         "--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema", "AttributeName=id,KeyType=HASH")
    try:
        _aws(dynastore_endpoint, "execute-statement", "--statement", f"INSERT INTO \"{name}\" VALUE {{'id': '1', 'v': 7}}")
        got = _aws(dynastore_endpoint, "execute-statement", "--statement", f'SELECT v FROM "{name}" WHERE id = ?',
                   "--parameters", '[{"S": "1"}]')
        assert got["Items"] == [{"v": {"N": "7"}}]
    finally:
        _aws(dynastore_endpoint, "delete-table", "--table-name", name)


# -- the parser alone ---------------------------------------------------------------------------


def _literal(v: Any) -> str:
    """``v`` written as a PartiQL literal."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if v is None:
        return "NULL"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, (int, Decimal)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    if isinstance(v, set):
        return "<<" + ", ".join(_literal(x) for x in sorted(v)) + ">>"
    return "{" + ", ".join(f"{_literal(k)}: {_literal(x)}" for k, x in v.items()) + "}"


_scalars = st.one_of(st.text(max_size=8), st.integers(-10**12, 10**12), st.booleans(), st.none(),
                     st.decimals(min_value=-1000, max_value=1000, places=3).map(lambda d: d.normalize()),
                     st.sets(st.text(max_size=4), min_size=1, max_size=3), st.sets(st.integers(-99, 99), min_size=1, max_size=3))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(min_size=1, max_size=4), inner, max_size=3)),
                       max_leaves=12)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), _values, max_size=5))
def test_literals_parse_to_the_values_they_spell(attrs: dict[str, Any]) -> None:
    item = {"pk": "k"} | attrs
    parsed = parse_statement(f'INSERT INTO "t" VALUE {_literal(item)}')
    assert isinstance(parsed, Insert)
    assert parsed.item == {k: (int(v) if isinstance(v, Decimal) and v == v.to_integral_value() else v)
                           for k, v in item.items()}


def test_parser_stays_linear_and_bounded() -> None:
    deep = parse_statement('SELECT * FROM "t" WHERE ' + "(" * 4000 + "a = 1" + ")" * 4000)
    assert deep.where is not None  # type: ignore[union-attr]
    for text, message in [
        ('SELECT * FROM "t" WHERE ' + "NOT " * 400 + "a = 1", "too many operators"),
        ("INSERT INTO \"t\" VALUE {'a': " + "[" * 40 + "]" * 40 + "}", "Nesting Levels"),
        ('SELECT * FROM "t" WHERE a = 1 b', "Statement wasn't well formed"),
        ("x" * 8193, "Member must have length less than or equal to 8192"),
        ('SELECT * FROM "t" WHERE a = ? AND b = ?', "Number of parameters"),
    ]:
        with pytest.raises(ValidationError, match=message):
            parse_statement(text, [{"S": "x"}])


@pytest.mark.parametrize("make", [
    lambda n: 'SELECT * FROM "t" WHERE ' + "(" * n + "a = 1" + ")" * n,
    lambda n: 'SELECT * FROM "t" WHERE ' + " AND ".join(["a = 1"] * n),
    lambda n: "INSERT INTO \"t\" VALUE {'pk': " + "[" * n + "]" * n + "}",
    lambda n: "INSERT INTO \"t\" VALUE {'pk': [" + ", ".join(["{'a': <<1, 2>>}"] * n) + "]}",
], ids=["parentheses", "flat-and", "nested-lists", "long-list"])
def test_parser_work_grows_linearly(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DynamoDB's limits (length, operators, nesting), the parser's work is linear in the text."""
    monkeypatch.setattr(partiql, "MAX_OPERATORS", 10**9)
    monkeypatch.setattr(partiql, "MAX_NESTING_LEVELS", 10**9)

    def steps(n: int) -> int:
        p = partiql._Parser(make(n), [])
        return run_rules(p.whole())[1]

    small, large = steps(500), steps(5_000)
    assert 9 * small <= large <= 11 * small


# -- WHERE evaluates as FilterExpression does ----------------------------------------------------

_ATTRS = ["v", "sk", "g", "ss", "l", "m.c", "zz"]
_STRINGS = st.sampled_from(["x", "y", "a", "q"])


def _literal_for(attr: str) -> Any:
    """Values to test ``attr`` with: numbers for the sort key (DynamoDB refuses others), else either."""
    return st.integers(-5, 45) if attr == "sk" else st.one_of(st.integers(-5, 45), _STRINGS)


def _leaf() -> Any:
    attrs = st.sampled_from(_ATTRS)
    compare = attrs.flatmap(lambda a: st.tuples(st.just("cmp"), st.just(a),
                                                 st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), _literal_for(a)))
    function = st.tuples(st.sampled_from(["begins_with", "contains"]), st.sampled_from([a for a in _ATTRS if a != "sk"]),
                         _STRINGS)
    exists = st.tuples(st.sampled_from(["attribute_exists", "attribute_not_exists"]), attrs)
    between = st.tuples(st.just("between"), attrs, st.integers(-5, 20), st.integers(0, 25)).map(
        lambda t: (t[0], t[1], t[2], t[2] + t[3]))
    among = attrs.flatmap(lambda a: st.tuples(st.just("in"), st.just(a), st.lists(_literal_for(a), min_size=1, max_size=3)))
    sized = st.tuples(st.just("size"), attrs, st.integers(0, 3))
    return st.one_of(compare, function, exists, between, among, sized)


_conditions = st.recursive(_leaf(), lambda inner: st.one_of(
    st.tuples(st.sampled_from(["AND", "OR"]), inner, inner), st.tuples(st.just("NOT"), inner)), max_leaves=6)


class _Both:
    """One condition written as a PartiQL WHERE and as a FilterExpression with placeholders."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def path(self, attr: str) -> tuple[str, str]:
        parts = []
        for name in attr.split("."):
            key = f"#n{len(self.names)}"
            self.names[key] = name
            parts.append(key)
        return attr, ".".join(parts)

    def value(self, v: Any) -> tuple[str, str]:
        key = f":v{len(self.values)}"
        self.values[key] = {"N": str(v)} if isinstance(v, int) else {"S": v}
        return (str(v) if isinstance(v, int) else f"'{v}'"), key

    def render(self, c: Any) -> tuple[str, str]:
        kind = c[0]
        if kind in ("AND", "OR"):
            (a, b), (x, y) = self.render(c[1]), self.render(c[2])
            return f"({a} {kind} {x})", f"({b} {kind} {y})"
        if kind == "NOT":
            a, b = self.render(c[1])
            return f"(NOT {a})", f"(NOT {b})"
        p, q = self.path(c[1])
        if kind == "cmp":
            v, w = self.value(c[3])
            return f"{p} {c[2]} {v}", f"{q} {c[2]} {w}"
        if kind in ("begins_with", "contains"):
            v, w = self.value(c[2])
            return f"{kind}({p}, {v})", f"{kind}({q}, {w})"
        if kind in ("attribute_exists", "attribute_not_exists"):
            return f"{kind}({p})", f"{kind}({q})"
        if kind == "between":
            (lo, lo_key), (hi, hi_key) = self.value(c[2]), self.value(c[3])
            return f"{p} BETWEEN {lo} AND {hi}", f"{q} BETWEEN {lo_key} AND {hi_key}"
        if kind == "in":
            pairs = [self.value(v) for v in c[2]]
            return f"{p} IN [{', '.join(v for v, _ in pairs)}]", f"{q} IN ({', '.join(w for _, w in pairs)})"
        v, w = self.value(c[2])
        return f"size({p}) > {v}", f"size({q}) > {w}"


@settings(max_examples=80, deadline=None)
@given(_conditions, st.sampled_from([None, "a", "b"]))
def test_where_selects_what_the_same_filter_expression_selects(clients: dict[str, Any], tables: Any, cond: Any,
                                                               partition: str | None) -> None:
    """As a Scan, and (with a partition) as a Query whose sort-key tests become its key condition."""
    c = clients["endpoint"]
    both = _Both()
    if partition is not None:
        cond = ("AND", ("cmp", "pk", "=", partition), cond)
    where, filter_expression = both.render(cond)
    by_statement = c.execute_statement(Statement=f'SELECT * FROM "{tables}" WHERE {where}')["Items"]
    by_scan = c.scan(TableName=tables, FilterExpression=filter_expression, ExpressionAttributeNames=both.names,
                     **({"ExpressionAttributeValues": both.values} if both.values else {}))["Items"]

    def keys(found: list[Any]) -> list[tuple[str, str]]:
        return sorted((i["pk"]["S"], i["sk"]["N"]) for i in found)

    assert keys(by_statement) == keys(by_scan), (where, filter_expression)
