"""A target's own words for connection states: read through `states:`, refused when they name no
wschaos state, and hinted at when an app's word was never mapped."""

from __future__ import annotations

from journal_builder import JournalBuilder

from harness.checks.reconnected import Reconnected
from harness.states import hint, translate
from harness.steps.expect import Expect


def test_a_mapped_word_reads_as_the_state_and_keeps_the_apps_word():
    """`live` under `states: {live: connected}` is `connected`, with `app_state: live` kept."""
    assert translate({"state": "live", "queue_length": 0}, {"live": "connected"}) == {
        "state": "connected", "app_state": "live", "queue_length": 0}
    assert translate({"state": "connected"}, {"live": "connected"}) == {"state": "connected"}


def test_expect_takes_the_apps_word_and_wschaos_word_alike():
    """`expect: {state: live}` and `{state: connected}` both hold on a page the vocabulary reads as connected."""
    values = translate({"state": "live"}, {"live": "connected"})
    assert Expect(state="live").holds(values, {"live": "connected"})
    assert Expect(state="connected").holds(values, {"live": "connected"})
    assert not Expect(state="reconnecting").holds(values, {"live": "connected"})


def test_an_unmapped_word_gets_a_hint_naming_the_key():
    """A state wschaos does not know is named with the `states:` key to add, with a guess."""
    assert hint(["connecting", "live", "retrying"]) == (
        "; 'live', 'retrying' are not wschaos states (connecting, connected, reconnecting, disconnected, "
        "offline, failed, closed): map the app's words under `states:` in the target, e.g. "
        "`states: {live: connected, retrying: reconnecting}`")
    assert hint(["connecting", "connected"]) == ""


def test_reconnected_says_which_key_to_add_for_a_client_that_spoke_its_own_words():
    """`never connected (states seen: connecting -> live)` now says to map `live`."""
    j = JournalBuilder().probe(1, "b0", state="connecting").probe(2, "b0", state="live").steps_end(9)
    result = Reconnected().judge(j.run())
    assert result.evidence == [
        "b0: never connected (states seen: connecting -> live); 'live' is not a wschaos state (connecting, "
        "connected, reconnecting, disconnected, offline, failed, closed): map the app's words under `states:` "
        "in the target, e.g. `states: {live: connected}`"]
