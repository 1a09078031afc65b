"""`resource_drift` on canned journals: passes on flat resources, fails on each kind of growth."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.resources import ResourceDrift, after_warmup, pooled_slope
from harness.units import Duration

MB_KB = 1024  # kB per MB


def soak(samples: int = 11, every: float = 6.0, rss_mb=lambda t: 80.0, fds=lambda t: 24,
         heap_mb=lambda t: 4.0, pid=lambda t: 4242, time_scale: float = 0.1) -> JournalBuilder:
    """A run with `samples` resources events every `every` real seconds from t=1."""
    j = JournalBuilder(["b0", "b1"], time_scale=time_scale, min_wait_s=10)
    for i in range(samples):
        t = 1.0 + i * every
        j.add(t, "resources", server_pid=pid(t), server_rss_kb=round(rss_mb(t) * MB_KB),
              server_fds=fds(t), pages={"b0": round(heap_mb(t) * 2**20), "b1": 3 * 2**20},
              interval_s=every)
    return j.steps_end(1.0 + samples * every)


def test_pooled_slope_fits_within_each_group():
    """Two processes, each growing 1/s from a different level: the common slope is 1, not the jump."""
    points = [(1, 0.0, 100.0), (1, 1.0, 101.0), (1, 2.0, 102.0), (2, 3.0, 10.0), (2, 4.0, 11.0)]
    assert pooled_slope(points) == 1.0
    assert pooled_slope([(1, 0.0, 5.0), (2, 1.0, 6.0)]) is None


def test_after_warmup_drops_the_first_seconds_of_each_group():
    """Each group loses the points within `warm_s` of its own first point."""
    points = [(1, 0.0, 1.0), (1, 5.0, 1.0), (1, 7.0, 1.0), (2, 8.0, 1.0), (2, 14.0, 1.0)]
    assert after_warmup(points, 6.0) == [(1, 7.0, 1.0), (2, 14.0, 1.0)]


def test_flat_resources_pass():
    """Flat memory, descriptors and heaps pass, with every resource's line as evidence."""
    result = ResourceDrift().judge(soak().run())
    assert result.passed
    assert result.summary == ("no resource drift over 10 samples after warmup: server RSS +0.0 MB/h, "
                              "server fds +0.0, b0 JS heap +0.0 MB/h, b1 JS heap +0.0 MB/h")
    assert result.evidence == [
        "server RSS: 80 MB -> 80 MB (t=7.0s..t=61.0s, 10 samples), slope +0.0 MB/h, limit 50 MB/h once it grew 16 MB",
        "server fds: 24 -> 24 (t=7.0s..t=61.0s, 10 samples), fitted growth +0.0, limit 20",
        "b0 JS heap: 4 MB -> 4 MB (t=7.0s..t=61.0s, 10 samples), slope +0.0 MB/h, limit 100 MB/h once it grew 16 MB",
        "b1 JS heap: 3 MB -> 3 MB (t=7.0s..t=61.0s, 10 samples), slope +0.0 MB/h, limit 100 MB/h once it grew 16 MB",
        "slopes per hour of app time; warmup 6s (1m app time x 0.1) excluded (after each server start too)",
    ]
    assert result.metrics == {"samples": 10, "server_rss_mb_per_h": 0.0, "server_fds_growth": 0.0,
                              "page_heap_mb_per_h": {"b0": 0.0, "b1": 0.0}}


def test_growing_server_rss_fails_with_slope_and_limit():
    """RSS growing 0.5 MB per real second at time scale 0.1 is 180 MB per app hour (27 MB in all): over 50."""
    result = ResourceDrift().judge(soak(rss_mb=lambda t: 80.0 + 0.5 * t).run())
    assert not result.passed
    assert result.summary == "resource drift: server RSS +180.0 MB/h (limit 50 MB/h)"
    assert result.evidence[0] == ("server RSS: 83.5 MB -> 110.5 MB (t=7.0s..t=61.0s, 10 samples), "
                                  "slope +180.0 MB/h, limit 50 MB/h once it grew 16 MB")
    assert result.at == [7.0]


def test_slopes_are_per_hour_of_app_time():
    """The same real-time growth is 10x less per app hour at time scale 0.1 than at 1 (app time runs 10x faster)."""
    fast = ResourceDrift(min_growth_mb=0, warmup=Duration(6.0)).judge(
        soak(rss_mb=lambda t: 80.0 + 0.05 * t, time_scale=1.0).run())
    compressed = ResourceDrift(min_growth_mb=0).judge(soak(rss_mb=lambda t: 80.0 + 0.05 * t).run())
    assert fast.metrics["server_rss_mb_per_h"] == 180.0 and not fast.passed
    assert compressed.metrics["server_rss_mb_per_h"] == 18.0 and compressed.passed


def test_a_steep_but_small_growth_is_noise_not_drift():
    """2.7 MB in a minute extrapolates to 180 MB/h at time scale 1, but under 16 MB in all it is not a leak."""
    result = ResourceDrift(warmup=Duration(6.0)).judge(soak(rss_mb=lambda t: 80.0 + 0.05 * t, time_scale=1.0).run())
    assert result.passed
    assert result.summary.startswith("no resource drift over 10 samples after warmup: server RSS +180.0 MB/h")


def test_leaking_file_descriptors_fail_on_fitted_growth():
    """One descriptor more every real second: about 54 over the judged minute, limit 20."""
    result = ResourceDrift(server_fds_growth=20).judge(soak(fds=lambda t: 24 + int(t)).run())
    assert not result.passed
    assert result.summary == "resource drift: server fds +54.0 (limit 20)"
    assert result.evidence[1] == ("server fds: 31 -> 85 (t=7.0s..t=61.0s, 10 samples), "
                                  "fitted growth +54.0, limit 20")


def test_growing_page_heap_fails_and_names_the_page():
    """b0's heap grows 0.5 MB/s real = 180 MB per app hour at 0.1; b1 stays flat."""
    result = ResourceDrift().judge(soak(heap_mb=lambda t: 4.0 + 0.5 * t).run())
    assert not result.passed
    assert result.summary == "resource drift: b0 JS heap +180.0 MB/h (limit 100 MB/h)"
    assert result.metrics["page_heap_mb_per_h"] == {"b0": 180.0, "b1": 0.0}


def test_restart_drop_is_not_drift_and_growth_within_processes_is():
    """A restart resets memory: judged per process, a flat server passes and a leaking one fails."""
    pid = lambda t: 1 if t < 30 else 2  # noqa: E731
    flat = soak(samples=20, every=3.0, rss_mb=lambda t: 120.0 if t < 30 else 60.0, pid=pid)
    assert ResourceDrift().judge(flat.run()).passed
    leak = soak(samples=20, every=3.0, rss_mb=lambda t: 60.0 + (t % 30), pid=pid)
    result = ResourceDrift().judge(leak.run())
    assert not result.passed
    assert result.evidence[0] == ("server RSS: 67 MB -> 88 MB (t=7.0s..t=58.0s, 16 samples, 2 processes), "
                                  "slope +360.0 MB/h, limit 50 MB/h once it grew 16 MB")


def test_too_few_samples_after_warmup_fail_as_too_short():
    """Two samples after the 6 s warmup cannot show a trend: the soak was too short to judge."""
    result = ResourceDrift().judge(soak(samples=4, every=3.0).run())
    assert not result.passed
    assert result.summary == ("only 2 resources samples after the 6s (1m app time x 0.1) warmup: "
                              "the soak was too short to judge drift (need at least 3)")
    assert result.evidence == ["4 samples in all, taken every 3s; run a longer --duration "
                               "or sample more often (--sample)"]


def test_no_samples_fail_saying_sampling_was_off():
    """A journal without resources events fails and says how to turn sampling on."""
    result = ResourceDrift().judge(JournalBuilder(["b0"]).steps_end(10).run())
    assert not result.passed
    assert result.summary == ("no resources samples in the journal: the soak was too short to judge "
                              "drift, or ran without sampling")


def test_unreadable_resources_fail_with_nothing_to_judge():
    """Samples whose every value is null (e.g. /proc unreadable, server stopped) judge nothing."""
    j = JournalBuilder(["b0"], time_scale=1.0)
    for t in range(0, 100, 10):
        j.add(float(t), "resources", server_pid=None, server_rss_kb=None, server_fds=None,
              pages={"b0": None}, interval_s=10.0)
    result = ResourceDrift(warmup=Duration(5.0)).judge(j.steps_end(100).run())
    assert not result.passed
    assert result.summary == "no resource was readable in 9 samples after warmup: nothing to judge drift on"
    assert result.evidence[0] == "server RSS: not judged (0 readings after warmup)"


def test_samples_after_teardown_are_ignored():
    """Teardown's samples (server stopping) are not part of the soak."""
    j = soak()
    j.add(70.0, "run.teardown")
    j.add(80.0, "resources", server_pid=4242, server_rss_kb=900 * MB_KB, server_fds=999,
          pages={"b0": 900 * 2**20}, interval_s=6.0)
    assert ResourceDrift().judge(j.run()).passed
