"""harness.journal_index: one pass over the journal answers per-client, per-kind queries."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.journal_index import JournalIndex, index_of


def test_of_merges_kinds_in_time_order_and_keeps_ties_in_journal_order():
    """Several kinds come back interleaved by `t`; events at the same `t` stay as written."""
    j = JournalBuilder(["b0", "b1"]).connect(1, "b0").connect(1, "b1").drop(2, "b0").ws_open(3, "b0", "s2")
    index = JournalIndex(j.events())
    assert [(e["t"], e["kind"]) for e in index.of("b0", "ws.open", "ws.close", "ws.attempt")] == [
        (1.0, "ws.attempt"), (1.0, "ws.open"), (2.0, "ws.close"), (3.0, "ws.open")]
    assert [e["client"] for e in index.of(None, "ws.open")] == ["b0", "b1", "b0"]
    assert index.of("b9", "probe") == [] and index.of(None, "nothing") == []


def test_of_sorts_an_unsorted_journal_by_time():
    """Events written out of order are read in time order, as the analyses always did."""
    events = [{"t": 0.0, "kind": "run.start"}, {"t": 2.0, "kind": "probe", "client": "b0"},
              {"t": 1.0, "kind": "probe", "client": "b0"}]
    assert [e["t"] for e in JournalIndex(events).of("b0", "probe")] == [1.0, 2.0]


def test_index_of_reuses_the_index_of_one_list_until_it_grows():
    """Asking twice about one list indexes it once; an appended event is seen."""
    events = JournalBuilder().connect(1, "b0").events()
    first = index_of(events)
    assert index_of(events) is first
    events.append({"t": 5.0, "kind": "ws.close", "client": "b0", "socket": "s1"})
    assert index_of(events) is not first
    assert [e["t"] for e in index_of(events).of("b0", "ws.close")] == [5.0]


def test_clients_seen_in_the_order_the_journal_first_names_them():
    """Client names come in the order they first appear, not sorted by name."""
    events = [{"t": 0.0, "kind": "probe", "client": "z"}, {"t": 1.0, "kind": "probe", "client": "a"},
              {"t": 2.0, "kind": "probe", "client": "z"}, {"t": 3.0, "kind": "x", "client": ["odd"]}]
    assert JournalIndex(events).clients_seen == ["z", "a"]
