"""`harness.lateness` finds how late the harness and a page were over an interval of the journal."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.lateness import Lag, explained, lag_windows, lateness, lateness_line, worst_lag


def journal() -> list[dict]:
    """Harness lag 120 ms over t=4..5; b0 610 ms over t=12.3..13.7; b1 900 ms over t=12..13."""
    return (JournalBuilder(["b0", "b1"])
            .lag(5.0, "harness", 120, window_s=1.0)
            .lag(13.7, "b0", 610, window_s=1.4)
            .lag(13.0, "b1", 900, window_s=1.0)
            .events())


def test_lateness_is_the_worst_lag_of_the_harness_and_the_client_overlapping_the_interval():
    """b0 over t=13..14 sees its own 610 ms, never b1's 900 ms; over t=4.5..6 the harness's 120 ms."""
    events = journal()
    assert lateness(events, "b0", 13.0, 14.0) == 0.61
    assert lateness(events, "b0", 4.5, 6.0) == 0.12
    assert lateness(events, "b0", 6.0, 12.0) == 0.0
    assert lateness(events, "b1", 0.0, 20.0) == 0.9


def test_a_window_counts_when_it_touches_the_interval_at_either_end():
    """The window t=12.3..13.7 overlaps [13.7, 15] and [11, 12.3], not [13.8, 15]."""
    events = journal()
    assert lateness(events, "b0", 13.7, 15.0) == 0.61
    assert lateness(events, "b0", 11.0, 12.3) == 0.61
    assert lateness(events, "b0", 13.8, 15.0) == 0.0


def test_explained_only_when_the_lag_covers_the_excess():
    """A limit missed by 0.5 s is explained by 610 ms of lag; by 0.7 s it is not; early never is."""
    events = journal()
    assert explained(0.5, events, "b0", 13.0, 14.0) == Lag("b0", 0.61, 0.305, 12.3, 13.7)
    assert explained(0.7, events, "b0", 13.0, 14.0) is None
    assert explained(-0.1, events, "b0", 13.0, 14.0) is None
    assert explained(0.05, events, "b0", 6.0, 12.0) is None


def test_lateness_line_names_the_source_and_the_window():
    """The evidence line a check prints next to an excused limit."""
    events = journal()
    assert lateness_line(worst_lag(events, "b0", 13.0, 14.0)) == \
        "b0's timers ran up to 610ms late between t=12.3s and t=13.7s (machine busy)"
    assert lateness_line(worst_lag(events, "b0", 4.0, 5.0)) == \
        "the harness's timers ran up to 120ms late between t=4.0s and t=5.0s (machine busy)"
    assert lateness_line(Lag("b0", 1.38, 1.38, 2.0, 3.0)) == \
        "b0's timers ran up to 1.38s late between t=2.0s and t=3.0s (machine busy)"


def test_the_run_summary_is_not_a_window():
    """`lag.summary` covers the whole run and must not excuse anything."""
    events = JournalBuilder().add(30.0, "lag.summary", sources={"b0": {"max_ms": 5000}}).events()
    assert lag_windows(events) == []
    assert lateness(events, "b0", 0.0, 30.0) == 0.0


def test_stalls_add_up_over_the_interval():
    """Many 250ms stalls: a chain of page events can be late by their total, prorated to the overlap."""
    events = (JournalBuilder().lag(3.8, "b0", 350, window_s=1.2, total_ms=700)
              .lag(4.8, "b0", 252, window_s=1.0, total_ms=680)
              .lag(5.8, "b0", 285, window_s=1.0, total_ms=600).events())
    worst = worst_lag(events, "b0", 3.6, 4.8)  # 1/6 of the first window, the whole second, the third's edge
    assert (worst.worst_s, round(worst.total_s, 3), worst.since_t, worst.until_t) == (0.35, 0.797, 2.6, 5.8)
    assert round(lateness(events, "b0", 3.6, 4.8), 3) == 0.797
    assert lateness_line(worst) == ("b0's timers ran late by 797ms in all (up to 350ms at once) between t=2.6s "
                                    "and t=5.8s (machine busy)")
