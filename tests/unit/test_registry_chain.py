"""The deployment ledger's rules: each line's hash chained to the one before (an edited,
removed or reordered line shows), rollbacks, and the timeline of what ran where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from laif.registry import chain, rules, timeline_chart
from laif.registry.chain import Event, Link

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _links(*contents: dict[str, Any]) -> list[Link]:
    links, prev = [], chain.GENESIS
    for seq, content in enumerate(contents, start=1):
        content = {**content, "seq": seq}
        link = Link(seq, content, prev, chain.event_hash(prev, content))
        links.append(link)
        prev = link.hash
    return links


def test_a_whole_chain_holds_and_any_change_breaks_it_where_it_was_made() -> None:
    links = _links({"kind": "deployed", "version": 1}, {"kind": "deployed", "version": 2},
                   {"kind": "rollback", "version": 1})
    assert chain.first_broken(links) is None
    edited = [links[0], Link(2, {**links[1].content, "version": 3}, links[1].prev_hash,
                             links[1].hash), links[2]]
    assert chain.first_broken(edited) == 2
    assert chain.first_broken([links[0], links[2]]) == 3  # a line removed
    assert chain.first_broken([links[1], links[0], links[2]]) == 2  # reordered


def test_the_hash_covers_the_previous_hash_and_every_field() -> None:
    a = chain.event_hash(chain.GENESIS, {"seq": 1, "note": "x"})
    assert a != chain.event_hash("1" * 64, {"seq": 1, "note": "x"})
    assert a != chain.event_hash(chain.GENESIS, {"seq": 1, "note": "y"})
    assert a == chain.event_hash(chain.GENESIS, {"note": "x", "seq": 1})  # key order is not


def _e(seq: int, kind: str, env: str, version: int | None, hours: int) -> Event:
    return Event(seq=seq, kind=kind, environment=env, target="", version=version,
                 at=T0 + timedelta(hours=hours), approved_by="lead@acme.lu")


def test_rollback_running_and_the_timeline() -> None:
    assert chain.kind_of(None, 1) == "deployed"
    assert chain.kind_of(2, 3) == "deployed"
    assert chain.kind_of(3, 2) == "rollback"
    events = [_e(1, "deployed", "production", 1, 0), _e(2, "deployed", "staging", 2, 1),
              _e(3, "deployed", "production", 2, 2), _e(4, "rollback", "production", 1, 5),
              _e(5, "retired", "staging", None, 6)]
    assert chain.running(events) == {"production": 1}
    stints = chain.timeline(events)
    assert [(s.environment, s.version, s.start.hour, s.end.hour if s.end else None, s.rollback)
            for s in stints] == [
        ("production", 1, 9, 11, False), ("production", 2, 11, 14, False),
        ("production", 1, 14, None, True), ("staging", 2, 10, 15, False)]


def test_the_timeline_chart_places_bars_by_time() -> None:
    stints = chain.timeline([_e(1, "deployed", "production", 1, 0),
                             _e(2, "deployed", "production", 2, 10)])
    drawn = timeline_chart.chart(stints, now=T0 + timedelta(hours=20))
    assert drawn is not None
    first, second = drawn.bars
    assert first.x == timeline_chart.LABEL_W
    assert first.width == pytest.approx(second.width, abs=0.2)  # 10 hours each
    assert second.running
    assert not first.running
    assert timeline_chart.chart([], now=T0) is None


def test_rules_refuse_what_the_registry_cannot_keep() -> None:
    assert rules.model_name("credit-scorer_v2.1") == "credit-scorer_v2.1"
    for bad in ("", "-x", "a b", "a/b", "x" * 101, "é"):
        with pytest.raises(rules.RuleError):
            rules.model_name(bad)
    assert rules.entries("metrics", {"auc": 0.91, "n": 3}, numbers=True) == {"auc": 0.91, "n": 3}
    for bad_metrics in ({"auc": "high"}, {"auc": float("nan")}, {"auc": True}, {"": 1},
                        {f"k{i}": 1 for i in range(101)}, {"auc": 1e16}):
        with pytest.raises(rules.RuleError):
            rules.entries("metrics", bad_metrics, numbers=True)
    assert rules.entries("params", {"opt": "adam", "lr": 1e-3, "bn": True}) == {
        "opt": "adam", "lr": 1e-3, "bn": True}
    with pytest.raises(rules.RuleError):
        rules.entries("params", {"nested": {"a": 1}})
    with pytest.raises(rules.RuleError):
        rules.entries("params", {"t": "a\x00b"})
    assert rules.code_ref("git:4df6efb") == "git:4df6efb"
    with pytest.raises(rules.RuleError):
        rules.code_ref("two words")
