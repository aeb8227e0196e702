"""(c) The AttributeValue codec: dynastore's vs boto3's TypeSerializer/TypeDeserializer.

The item is a nested ~1 KB user profile (maps three deep, lists of maps, a
string set, a number set, Decimals, bytes, bool, null). dynastore's round
trip is ``deserialize_item(serialize_item(item))`` on the canonical item;
boto3's is ``TypeSerializer().serialize`` then ``TypeDeserializer().deserialize``
per attribute, as boto3's resource layer does on every request.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from dynastore import deserialize_item, normalize_item, serialize_item

from . import workload as w
from .harness import Config, Report, Row, compare, profile

BENCH = "codec"
TITLE = "(c) codec: serialize_item + deserialize_item vs boto3 TypeSerializer + TypeDeserializer (~1 KB item)"


def run(cfg: Config, report: Report, console: Console) -> None:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    ser, de = TypeSerializer(), TypeDeserializer()
    raw = w.nested_item()
    item = normalize_item(raw)
    wire = serialize_item(item)
    assert deserialize_item(wire) == item
    bwire = {k: ser.serialize(v) for k, v in raw.items()}

    def ours(i: int) -> Any:
        return deserialize_item(serialize_item(item))

    def boto(i: int) -> Any:
        return {k: de.deserialize(v) for k, v in {k: ser.serialize(v) for k, v in raw.items()}.items()}

    n = cfg.n(5_000, 1_000)
    report.note(BENCH, f"{n:,} round trips per round, median of {cfg.rounds} rounds")
    cases = [
        ("round trip", ours, boto, 3.0),
        ("serialize", lambda i: serialize_item(item), lambda i: {k: ser.serialize(v) for k, v in raw.items()}, None),
        ("deserialize", lambda i: deserialize_item(wire), lambda i: {k: de.deserialize(v) for k, v in bwire.items()},
         None),
        # what a put + get through the Table layer pays: normalisation at the edge, then the codec
        ("normalize + round trip", lambda i: deserialize_item(serialize_item(normalize_item(raw))), boto, None),
    ]
    for name, a, b, target in cases:
        rates = compare({"dynastore": a, "boto3": b}, n, rounds=cfg.rounds)
        report.figure(BENCH, name, "dynastore", rates["dynastore"])
        report.figure(BENCH, name, "boto3", rates["boto3"])
        report.add(Row(BENCH, name, "dynastore", rates["dynastore"], "boto3", rates["boto3"], ratio_min=target))
        if cfg.profile and target is not None:
            text = profile(a, n // 4)
            report.profiles[f"{BENCH}/{name}"] = text
            console.print(f"[bold]profile {BENCH}/{name}[/]\n{text}")
