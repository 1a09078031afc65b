"""The soak report: drift in plain sentences, the night indexed by round from a streamed journal."""

from __future__ import annotations

import json
from pathlib import Path

from harness.soak.drift import slope, trend
from harness.soak.index import NightIndex, index_night
from harness.soak.report import night_trends, round_rows, write_soak_report

NIGHT = {"scenario": "soak-2h-seed1", "seed": 1, "target": "kanban", "rerun": "wschaos soak --duration 2h --seed 1",
         "time_scale": 0.1, "bugs": [], "workload": "add_ticket", "held": ["every page connected again"],
         "skipped": ["queue drain: no probe"], "faults_left_out": [],
         "rounds": [{"round": n, "kind": "down", "label": f"network down on b0 for {n}s", "first": 2 * n,
                     "last": 2 * n + 1, "work": ["action add_ticket on browsers"]} for n in range(1, 7)]}


def hours(values, per_hour=1.0, segments=None):
    return [(i + 1, i * per_hour, v, (segments or [0] * len(values))[i]) for i, v in enumerate(values)]


def test_a_growing_resource_that_settles_says_when():
    """Grew fast, then flat: the sentence gives the rate and the round it was steady from."""
    t = trend(hours([50, 90, 130, 131, 131, 132, 131]), "server RSS", "MB", floor=2.0, least=4.0)
    assert t.sentence.startswith("server RSS grew ") and "(50.0 MB -> 131.0 MB), steady after round 3 (" in t.sentence
    assert t.steady_from == 3


def test_a_resource_still_growing_at_the_end_says_so():
    """A leak: still growing."""
    t = trend(hours([50, 60, 70, 80, 90, 100]), "b0 JS heap", "MB", floor=2.0, least=4.0)
    assert t.sentence == "b0 JS heap grew 10.0 MB/h (50.0 MB -> 100.0 MB), still growing at the end"


def test_a_restart_is_no_trend_and_a_short_night_no_extrapolation():
    """A drop at a restart (a new segment) is not a fall; a tiny move over a short night is steady."""
    flat_lives = hours([48, 49, 50, 40, 41, 42], segments=[0, 0, 0, 1, 1, 1])
    assert slope(flat_lives) == 1.0
    short = trend(hours([145.2, 145.3, 145.6], per_hour=0.01), "wschaos RSS", "MB", floor=2.0, least=4.0)
    assert short.sentence == ("wschaos RSS steady over the night: the fitted line moved 0.4 MB in all (145.2 MB -> "
                              "145.6 MB), too little for its +20.0 MB/h to be a trend")
    assert trend(hours([1.0]), "x", "", 1.0, 4.0).sentence == "x: too few readings to tell a trend (1 round)"


def journal(tmp_path: Path) -> Path:
    """Six rounds at 0.1: a gate each, round 4 fails its gate; resources; a ping answered 40 ms later when calm."""
    events = [{"t": 0.0, "kind": "run.start", "scenario": "soak-2h-seed1", "seed": 1, "time_scale": 0.1,
               "target": "kanban", "rerun": "", "bugs": [], "ack_type": "ack",
               "clients": [{"name": "b0", "kind": "browser", "groups": []}]}]
    t = 1.0
    for n in range(1, 7):
        events.append({"t": t, "kind": "step.start", "path": f"soak[{2 * n}].during", "name": "down"})
        events.append({"t": t + 0.2, "kind": "ws.close", "client": "b0", "socket": f"s{n}", "code": 1006})
        events.append({"t": t + 1, "kind": "step.start", "path": f"soak[{2 * n + 1}]", "name": "expect"})
        events.append({"t": t + 1.5, "kind": "expect", "condition": "state connected", "passed": n != 4,
                       "waited_s": 0.5, "observed": {}, "clients": ["b0"], "step": None, "within_s": 12})
        if n == 4:
            events.append({"t": t + 1.5, "kind": "step.end", "path": f"soak[{2 * n + 1}]", "name": "expect",
                           "status": "failed", "error": "expected state connected on b0 within 12s"})
        events.append({"t": t + 2, "kind": "ws.frame", "client": "b0", "socket": "s", "dir": "sent", "type": "ping",
                       "id": f"p{n}", "data": {}})
        events.append({"t": t + 2.04, "kind": "ws.frame", "client": "b0", "socket": "s", "dir": "received",
                       "type": "pong", "id": f"p{n}", "data": {}})
        events.append({"t": t + 3, "kind": "resources", "server_pid": 100 if n < 4 else 200,
                       "server_rss_kb": 50 * 1024 if n < 4 else 30 * 1024, "server_fds": 12, "server_sockets": 4,
                       "harness_rss_kb": 150 * 1024, "pages": {"b0": 4 * 1024 * 1024}, "interval_s": 5.0})
        t += 36.0  # an hour of app time at 0.1 is 360 s: a round every 0.1 h
    events.append({"t": t, "kind": "check", "name": "reconnected", "status": "failed", "summary": "b0 late",
                   "evidence": ["b0: late"], "at": [4 * 36.0 - 30.0]})
    events.append({"t": t + 1, "kind": "run.end", "outcome": "failed", "error": None})
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events) + '{"t": 9, "kind": "trunc')
    return path


def test_the_index_keeps_each_round_s_gates_disconnections_latency_and_readings(tmp_path):
    """Streamed once: per round what held, how long recovery took, the round-trip time, the mean readings."""
    index = index_night(journal(tmp_path), NIGHT)
    assert [r.held for r in index.rounds] == [True, True, True, False, True, True]
    r4 = index.rounds[3]
    assert r4.failed == ["soak[9] (expect): expected state connected on b0 within 12s"]
    assert (r4.disconnects, r4.recovered_s, r4.server_pid, r4.mean("server_rss_mb")) == (1, 0.5, 200, 30.0)
    assert [round(x) for x in index.rounds[0].calm_latencies_ms] == [40]
    assert index.round_at(4 * 36.0 - 30.0) is r4 and index.end["outcome"] == "failed"
    rows = round_rows(index)
    assert rows[0]["at"] == "0:00:00" and rows[1]["at"] == "0:06:00" and rows[0]["latency"] == "40 / 40 ms (1)"


def test_the_report_states_the_drift_and_lists_every_round(tmp_path):
    """The server's memory halves at its restart: no trend; soak.html has the sentences, rounds and checks."""
    (tmp_path / "soak.json").write_text(json.dumps(NIGHT))
    journal(tmp_path)
    sentences = [t.sentence for t in night_trends(index_night(tmp_path / "journal.jsonl", NIGHT))]
    assert ("server RSS steady over the night: +0.0 MB/h (50.0 MB -> 30.0 MB; fitted within each of 2 server "
            "processes)") in sentences
    assert any(s.startswith("round-trip latency p50 steady over the night") for s in sentences)
    html = write_soak_report(tmp_path).read_text()
    for text in ("server RSS steady over the night", "network down on b0 for 4s", "queue drain: no probe",
                 "wschaos soak --duration 2h --seed 1", "wschaos shrink", "expected state connected on b0 within 12s"):
        assert text in html, text


def test_an_index_without_rounds_is_empty_not_an_error():
    """A journal fed to an index of a night without rounds keeps only its start and end."""
    index = NightIndex({})
    index.feed({"t": 0.0, "kind": "step.start", "path": "steps[0]", "name": "x"})
    assert index.rounds == [] and index.current is None
