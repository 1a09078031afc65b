"""A target action on a real page: a selector that matches nothing fails naming the action and selector."""

from __future__ import annotations

import urllib.parse

import pytest

from harness.errors import StepFailed
from harness.steps.actions import run_ops
from harness.target import Action, Click, Fill

pytestmark = pytest.mark.e2e

PAGE = "data:text/html," + urllib.parse.quote('<input id="title"><button id="off" disabled>off</button>')


async def test_missing_and_unusable_selectors_say_what_happened(wschaos_browser_client):
    """'matched nothing' for a selector with no element; 'none became ... enabled' for a disabled one."""
    client = await wschaos_browser_client("b0", PAGE, nav_timeout_s=0.5)
    values = await run_ops(client, "type", Action((Fill("#title", "{title}"),)), {"title": "hello"})
    assert values == {"title": "hello"} and await client.evaluate("document.querySelector('#title').value") == "hello"
    with pytest.raises(StepFailed) as missing:
        await run_ops(client, "add_ticket", Action((Click("#add-{title}"),)), {"title": "x"})
    assert str(missing.value) == ("action 'add_ticket' on b0: click '#add-x' matched nothing within 0.5s; check the "
                                  "selector in the target's `actions:` (a `screenshot` step shows the page)")
    with pytest.raises(StepFailed) as disabled:
        await run_ops(client, "switch", Action((Click("#off"),)), {})
    assert str(disabled.value).startswith("action 'switch' on b0: click '#off' matched 1 element(s), but none became "
                                          "visible, enabled and uncovered within 0.5s;")
