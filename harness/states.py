"""wschaos's connection states, and a target's own words for them (`states:` in a target).

Checks, `expect` and the timeline speak these states. An app whose badge says `live`,
`retrying` or `stale` maps its words once in the target:

    states: {live: connected, retrying: reconnecting, stale: disconnected}

and every page's `state` probe value is read through that map as it arrives (the app's own
word stays in the probe event as `app_state`). A word neither known nor mapped is kept as it is,
and the messages that meet it say which key to add.
"""

from __future__ import annotations

from typing import Mapping

#: The states wschaos knows, with what each means.
STATES: dict[str, str] = {
    "connecting": "opening its first connection",
    "connected": "connected and usable",
    "reconnecting": "lost its connection and trying again",
    "disconnected": "not connected and not trying (closed on purpose, or waiting)",
    "offline": "the browser says it has no network",
    "failed": "gave up reconnecting",
    "closed": "the page was closed",
}


def translate(values: Mapping[str, object], words: Mapping[str, str]) -> dict[str, object]:
    """A probe reading with its `state` in wschaos's words (the app's word kept as `app_state`)."""
    out = dict(values)
    state = out.get("state")
    if isinstance(state, str) and state in words:
        out["state"], out["app_state"] = words[state], state
    return out


def unknown(words_seen: list[str]) -> list[str]:
    """The state words seen that wschaos does not know."""
    return [w for w in dict.fromkeys(words_seen) if w not in STATES]


def hint(words_seen: list[str]) -> str:
    """`` or `; 'live' is not a wschaos state: map the app's words under `states:` in the target,
    e.g. `states: {live: connected}``."""
    strange = unknown(words_seen)
    if not strange:
        return ""
    example = ", ".join(f"{w}: {_guess(w)}" for w in strange[:3])
    names = ", ".join(repr(w) for w in strange)
    return (f"; {names} {'is not a wschaos state' if len(strange) == 1 else 'are not wschaos states'} "
            f"({', '.join(STATES)}): map the app's words under `states:` in the target, e.g. "
            f"`states: {{{example}}}`")


def _guess(word: str) -> str:
    """A plausible state for an app's word, for the example in a hint."""
    w = word.lower()
    for needle, state in (("retry", "reconnecting"), ("reconnect", "reconnecting"), ("live", "connected"),
                          ("online", "connected"), ("open", "connected"), ("up", "connected"),
                          ("conn", "connecting"), ("down", "disconnected"), ("stale", "disconnected"),
                          ("lost", "disconnected"), ("fail", "failed"), ("dead", "failed")):
        if needle in w:
            return state
    return "connected"
