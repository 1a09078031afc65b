"""The shrinker's search over a fake replay: a pure algorithm, so the replays are a function."""

from __future__ import annotations

from harness.shrink.search import Trial, search


def replay_failing_when(predicate, calls=None, flaky=()):
    """A fake replay: `fails` (3 replays) when `predicate(items)`, else `passes` after 1; a candidate in `flaky`
    fails twice, then passes."""
    async def trial(items):
        if calls is not None:
            calls.append(items)
        if items in flaky:
            return Trial("flaky", 3, "failed 2 of 3")
        return Trial("fails", 3) if predicate(items) else Trial("passes", 1)
    return trial


async def test_two_culprits_among_forty_are_found():
    """A failure that needs items 7 and 23 together shrinks to exactly (7, 23)."""
    calls = []
    outcome = await search(range(40), replay_failing_when(lambda s: 7 in s and 23 in s, calls))
    assert outcome.reproduced and outcome.best == (7, 23)
    assert len(calls) == len(set(calls)) == len(outcome.tried)  # no candidate replayed twice
    assert outcome.replays == sum(3 if t.accepted else 1 for t in outcome.tried)


async def test_groups_are_shrunk_before_single_items():
    """With rounds as groups, whole rounds go first; then single items inside the round that is left."""
    rounds = [tuple(range(r * 5, r * 5 + 5)) for r in range(10)]
    outcome = await search(range(50), replay_failing_when(lambda s: 31 in s and 33 in s), groups=rounds)
    assert outcome.best == (31, 33)
    phases = [t.phase for t in outcome.tried]
    assert phases.index("steps") > max(i for i, p in enumerate(phases) if p == "rounds")
    assert any(t.accepted and t.items == rounds[6] for t in outcome.tried)


async def test_a_good_first_guess_saves_most_trials():
    """Focusing on where the failure was seen reaches the culprit in far fewer trials than without."""
    fails = replay_failing_when(lambda s: 90 in s)
    blind = await search(range(100), fails)
    focused = await search(range(100), fails, focus=[range(88, 93)])
    assert blind.best == focused.best == (90,)
    assert focused.tried[1].phase == "where it failed" and focused.tried[1].accepted
    assert len(focused.tried) < len(blind.tried)


async def test_a_flaky_candidate_is_never_accepted():
    """A candidate that failed on some replays and passed on others is rejected: flaky is not minimal."""
    outcome = await search(range(4), replay_failing_when(lambda s: 1 in s, flaky={(1,)}))
    assert (1,) != outcome.best and 1 in outcome.best
    (flaky,) = [t for t in outcome.tried if t.items == (1,)]
    assert (flaky.accepted, flaky.trial.verdict, flaky.trial.replays) == (False, "flaky", 3)


async def test_shortening_keeps_the_smallest_item_that_still_fails():
    """Items are replaced by smaller variants while it still fails: a 40 s window that must be at least 6 s -> 10 s."""
    def smaller(item):
        name, seconds = item
        return [(name, seconds // 2)] if seconds > 1 else []
    outcome = await search([("down", 40), ("idle", 8)], replay_failing_when(
        lambda s: any(n == "down" and sec >= 6 for n, sec in s)), smaller=smaller)
    assert outcome.best == (("down", 10),)


async def test_the_budget_ends_the_search_with_the_best_so_far():
    """When `stop` says so, the search ends, says why, and keeps the smallest failing schedule found."""
    left = iter(range(6))
    outcome = await search(range(64), replay_failing_when(lambda s: 5 in s),
                           stop=lambda: None if next(left, None) is not None else "budget of 5m used")
    assert outcome.stopped == "budget of 5m used" and len(outcome.tried) == 6
    assert 5 in outcome.best and len(outcome.best) < 64


async def test_a_schedule_that_does_not_fail_is_not_shrunk():
    """If the whole schedule does not fail the same way, the search says so after that one trial."""
    outcome = await search(range(10), replay_failing_when(lambda s: False))
    assert not outcome.reproduced and outcome.best == tuple(range(10)) and len(outcome.tried) == 1


async def test_without_verifying_first_the_failed_run_is_the_evidence_and_the_whole_is_replayed_last():
    """verify_first=False: no replay of the whole up front; if nothing smaller fails, the whole is replayed at the end."""
    smaller_fails = await search(range(8), replay_failing_when(lambda s: 3 in s), verify_first=False)
    assert smaller_fails.reproduced and smaller_fails.best == (3,)
    assert all(t.items != tuple(range(8)) for t in smaller_fails.tried)
    only_whole = await search(range(4), replay_failing_when(lambda s: len(s) == 4), verify_first=False)
    assert only_whole.reproduced and only_whole.best == (0, 1, 2, 3) and only_whole.tried[-1].phase == "the whole schedule"
    never = await search(range(4), replay_failing_when(lambda s: False), verify_first=False)
    assert not never.reproduced and never.tried[-1].items == (0, 1, 2, 3)


async def test_guesses_are_tried_in_order_until_one_fails():
    """The first guess that fails is kept; later guesses are not tried."""
    calls = []
    outcome = await search(range(20), replay_failing_when(lambda s: 4 in s and 15 in s, calls),
                           focus=[[4, 5], [4, 5, 15, 16], [15]])
    assert [t.phase for t in outcome.tried[:3]] == ["the whole schedule", "where it failed", "where it failed"]
    assert outcome.tried[2].accepted and [t.phase for t in outcome.tried].count("where it failed") == 2
    assert outcome.best == (4, 15) and calls[:3] == [tuple(range(20)), (4, 5), (4, 5, 15, 16)]
