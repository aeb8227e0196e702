"""Random operation sequences on the embedded engine and on DynamoDB Local, side by side.

Every step runs on both stores and must give the same result or the same
error class; after every step both tables must hold the same items.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from dynastore import Attr, DynastoreError, Index, Key, TableSpec, open_store

PKS = st.sampled_from(["a", "b", "c"])
SKS = st.integers(min_value=-2, max_value=4)
SCALARS = st.one_of(
    st.integers(min_value=-5, max_value=5),
    st.sampled_from([Decimal("0.5"), Decimal("-1.25"), "x", "y", "", b"\x00", True, None]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.frozensets(st.sampled_from(["p", "q", "r"]), min_size=1).map(set))
ATTRS = st.sampled_from(["n", "s", "tags", "status", "g"])


def _outcome(fn):
    try:
        return ("ok", fn())
    except DynastoreError as e:
        return ("error", type(e).__name__)


def _conditions():
    return st.one_of(
        st.none(),
        ATTRS.map(lambda a: Attr(a).exists()),
        ATTRS.map(lambda a: Attr(a).not_exists()),
        st.tuples(ATTRS, SCALARS).map(lambda t: Attr(t[0]).eq(t[1])),
        st.tuples(ATTRS, SCALARS).map(lambda t: Attr(t[0]).ne(t[1])),
        st.tuples(ATTRS, st.integers(-5, 5)).map(lambda t: Attr(t[0]).gt(t[1])),
        st.tuples(ATTRS, st.sampled_from(["x", "p"])).map(lambda t: Attr(t[0]).contains(t[1])),
        st.tuples(ATTRS, st.integers(0, 3)).map(lambda t: Attr(t[0]).size().lte(t[1])),
    )


def _actions():
    return st.one_of(
        st.tuples(ATTRS, VALUES).map(lambda t: Attr(t[0]).set(t[1])),
        ATTRS.map(lambda a: Attr(a).remove()),
        st.tuples(ATTRS, st.integers(-3, 3)).map(lambda t: Attr(t[0]).add(t[1])),
        st.tuples(ATTRS, st.frozensets(st.sampled_from(["p", "q"]), min_size=1)).map(lambda t: Attr(t[0]).add(set(t[1]))),
        st.tuples(ATTRS, st.frozensets(st.sampled_from(["p", "q"]), min_size=1)).map(lambda t: Attr(t[0]).delete(set(t[1]))),
        st.tuples(ATTRS, st.integers(-3, 3)).map(lambda t: Attr(t[0]).set(Attr(t[0]) + t[1])),
        st.tuples(ATTRS, st.lists(SCALARS, min_size=1, max_size=2)).map(lambda t: Attr(t[0]).append(t[1])),
    )


def make_machine(remote_url: str):
    class Compare(RuleBasedStateMachine):
        @initialize()
        def open(self):
            name = "st" + uuid.uuid4().hex[:10]
            spec = TableSpec(name=name, partition_key=("pk", "S"), sort_key=("sk", "N"),
                             indexes=[Index("by_g", partition_key=("g", "S"), sort_key=("sk", "N"))])
            self.stores = [open_store("memory://"), open_store(remote_url)]
            self.tables = [s.create_table(spec) for s in self.stores]

        def teardown(self):
            for s, t in zip(getattr(self, "stores", []), getattr(self, "tables", [])):
                try:
                    s.delete_table(t.name)
                finally:
                    s.close()

        def both(self, op):
            local, remote = (_outcome(lambda t=t: op(t)) for t in self.tables)
            assert local == remote, f"embedded {local!r} != DynamoDB Local {remote!r}"

        @rule(pk=PKS, sk=SKS, attrs=st.dictionaries(ATTRS, VALUES, max_size=3), cond=_conditions())
        def put(self, pk, sk, attrs, cond):
            self.both(lambda t: t.put({"pk": pk, "sk": sk, **attrs}, condition=cond, return_old=True).old)

        @rule(pk=PKS, sk=SKS, actions=st.lists(_actions(), min_size=1, max_size=3), cond=_conditions(),
              rv=st.sampled_from(["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]))
        def update(self, pk, sk, actions, cond, rv):
            self.both(lambda t: t.update({"pk": pk, "sk": sk}, actions, condition=cond, return_values=rv))

        @rule(pk=PKS, sk=SKS, cond=_conditions())
        def delete(self, pk, sk, cond):
            self.both(lambda t: t.delete({"pk": pk, "sk": sk}, condition=cond, return_old=True))

        @rule(pk=PKS, sk=SKS)
        def get(self, pk, sk):
            self.both(lambda t: t.get({"pk": pk, "sk": sk}, consistent=True))

        @rule(pk=PKS, op=st.sampled_from(["eq", "lt", "gte", "between"]), sk=SKS, reverse=st.booleans(),
              limit=st.none() | st.integers(1, 4), flt=_conditions())
        def query(self, pk, op, sk, reverse, limit, flt):
            kc = Key("pk").eq(pk)
            kc = kc & (Key("sk").between(sk, sk + 2) if op == "between" else getattr(Key("sk"), op)(sk))
            self.both(lambda t: t.query(kc, reverse=reverse, limit=limit, filter=flt, consistent=True).all())

        @rule(g=st.sampled_from(["x", "y"]))
        def query_index(self, g):
            self.both(lambda t: sorted(t.query(Key("g").eq(g), index="by_g").all(), key=lambda i: (i["pk"], i["sk"])))

        @rule(pk=PKS, sk=SKS, sk2=SKS, cond=_conditions())
        def transaction(self, pk, sk, sk2, cond):
            def run(t):
                with t.store.transaction() as tx:
                    tx.update(t, {"pk": pk, "sk": sk}, Attr("n").add(1), condition=cond)
                    tx.put(t, {"pk": pk, "sk": sk2, "s": "tx"})
            self.both(run)

        @invariant()
        def same_items(self):
            if not hasattr(self, "tables"):
                return
            local, remote = (sorted(t.scan(consistent=True).all(), key=lambda i: (i["pk"], i["sk"])) for t in self.tables)
            assert local == remote

    return Compare


@pytest.mark.slow
def test_embedded_engine_matches_dynamodb_local(dynamodb_local_endpoint):
    url = f"dynamodb://?endpoint={dynamodb_local_endpoint}&region=us-east-1"
    run_state_machine_as_test(
        make_machine(url),
        settings=settings(max_examples=30, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )
