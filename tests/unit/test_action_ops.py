"""A target action's typed operations run in order on a page; a selector that matches nothing names itself."""

from __future__ import annotations

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from harness.errors import StepFailed
from harness.steps.actions import run_ops
from harness.target import Action, Click, Fill, Press, Read


class FakeLocator:
    def __init__(self, client, selector):
        self.client, self.selector, self.first = client, selector, self

    async def evaluate(self, js, attribute):
        self.client.calls.append(("read", self.selector, attribute))
        return "T-7"


class FakePage:
    def __init__(self, client):
        self.client = client

    def locator(self, selector):
        return FakeLocator(self.client, selector)


class FakeClient:
    """Records calls like BrowserClient; `missing` selectors time out the way Playwright does."""

    name = "b0"

    def __init__(self, missing=()):
        self.calls, self.missing, self.page = [], set(missing), FakePage(self)

    async def _op(self, verb, selector, *args):
        if selector in self.missing:
            raise PlaywrightTimeout(f"Timeout 15000ms exceeded.\nwaiting for locator(\"{selector}\")")
        self.calls.append((verb, selector, *args))

    async def fill(self, selector, value):
        await self._op("fill", selector, value)

    async def click(self, selector):
        await self._op("click", selector)

    async def press(self, selector, key):
        await self._op("press", selector, key)

    async def why_not_actionable(self, selector):
        return "matched nothing within 15s"


ADD = Action((Fill("#title", "{title}"), Read("#card-{title}", "card", "data-id"), Click("#open-{card}"),
              Press("#title", "Enter")), key="t:{card}")


async def test_ops_run_in_order_with_filled_templates_and_read_values():
    """Each op fills its selector (and value) from the values, including what an earlier `read` stored."""
    client = FakeClient()
    values = await run_ops(client, "add_ticket", ADD, {"title": "b0-add-1"})
    assert client.calls == [("fill", "#title", "b0-add-1"), ("read", "#card-b0-add-1", "data-id"),
                            ("click", "#open-T-7"), ("press", "#title", "Enter")]
    assert values == {"title": "b0-add-1", "card": "T-7"}


async def test_a_selector_that_matches_nothing_names_the_action_client_and_selector():
    """Playwright's bare 'Timeout 15000ms exceeded' becomes a failed step that says what was looked for."""
    client = FakeClient(missing={"#open-T-7"})
    with pytest.raises(StepFailed) as info:
        await run_ops(client, "add_ticket", ADD, {"title": "b0-add-1"})
    assert str(info.value) == ("action 'add_ticket' on b0: click '#open-T-7' matched nothing within 15s; check the "
                               "selector in the target's `actions:` (a `screenshot` step shows the page)")
