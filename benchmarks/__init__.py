"""dynastore's benchmarks: ``python -m benchmarks`` (``--help`` for the options).

Every benchmark measures dynastore's path and a baseline in the same run, on
the same data, and prints ops/s, the ratio and PASS/MISS against the target
from the performance issue. Nothing here is collected by pytest: CI never
times anything. See ``docs/benchmarks.md`` for what each benchmark measures
and the figures of the last recorded run.

Benchmarks (``--only NAME``):

- ``embedded``: the embedded SQLite engine through the Table API vs raw sqlite3
  doing the equivalent SQL (get, put on a table with 2 GSIs, query of 50 items)
- ``dynamodb``: the same workload through the DynamoDB engine against DynamoDB
  Local and moto_server, and raw boto3 against DynamoDB Local
- ``codec``: ``serialize_item`` + ``deserialize_item`` vs boto3's TypeSerializer
  + TypeDeserializer on a nested ~1 KB item
- ``scale`` (only with ``--scale``): load, full scan in bounded memory, and a
  query in a 1 M item table vs a 10 k item table
- ``web`` (only with ``--only web``): the blog under wrk, ``dynastore serve
  --workers 2`` vs a static Starlette app served the same way (post page, logged
  in and not, and the like endpoint)
"""
