"""The operations a target's UI action (or page `setup:`) runs on one page: fill, click,
press, read, wait, evaluate.

Each is a frozen dataclass registered by name; `parse_op` turns one YAML item
(`- click: "#add"`, `- fill: {selector: ..., value: ...}`) into one, or into located problems.
An op describes itself for error messages and runs itself on a browser client; its strings
are checked at load by `harness.targets.validate`.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, ClassVar, Mapping, Optional, Protocol

from harness.registry import Registry
from harness.scenario.yamlpos import Path_, Positions, Problem
from harness.targets.placeholders import fill

if TYPE_CHECKING:  # ops run on a browser client's page; Playwright is imported only by those that run them
    from playwright.async_api import Page


class PageClient(Protocol):
    """What an operation needs of a browser client (`harness.drivers.browser.BrowserClient` is
    one): its name for messages, its page, and the page actions it journals."""

    @property
    def name(self) -> str: ...

    @property
    def page(self) -> Page | None: ...

    async def fill(self, selector: str, value: str) -> None: ...

    async def click(self, selector: str) -> None: ...

    async def press(self, selector: str, key: str) -> None: ...

ops: Registry[type["Op"]] = Registry("action operation")

READ_JS = "(el, a) => a ? el.getAttribute(a) : el.textContent"


@dataclass(frozen=True)
class Op:
    """One operation; `selector` is a Playwright selector template, filled before it runs
    (`evaluate` has none: its selector is the empty string)."""

    primary: ClassVar[Optional[str]] = None  # the field a bare scalar fills (`click: "#add"`)
    #: What Playwright waits for before the op acts (its actionability checks), for messages
    #: about an op that timed out: `waited 5s for a visible match`.
    waits_for: ClassVar[str] = "a match in the page"
    selector: str

    def describe(self, values: Mapping[str, object]) -> str:
        """`click '#add-btn'`: the op and its filled selector, for error messages."""
        return f"{self.registered_name} {fill(self.selector, values)!r}"  # type: ignore[attr-defined]

    async def run(self, client: PageClient, values: dict[str, object]) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def page_of(client: PageClient) -> Page:
    """The client's page: ops run only on an open page (`PageSetup` and actions open it first)."""
    assert client.page is not None, f"client {client.name} has no open page"
    return client.page


@ops.register("fill")
@dataclass(frozen=True)
class Fill(Op):
    """`page.fill(selector, value)`."""

    waits_for: ClassVar[str] = "a match that is visible, enabled and editable"
    value: str

    async def run(self, client: PageClient, values: dict[str, object]) -> None:
        await client.fill(fill(self.selector, values), fill(self.value, values))


@ops.register("click")
@dataclass(frozen=True)
class Click(Op):
    """`page.click(selector)`."""

    primary: ClassVar[Optional[str]] = "selector"
    waits_for: ClassVar[str] = "a match that is visible, stable, enabled and not covered by another element"

    async def run(self, client: PageClient, values: dict[str, object]) -> None:
        await client.click(fill(self.selector, values))


@ops.register("press")
@dataclass(frozen=True)
class Press(Op):
    """`page.press(selector, key)` (`Enter`, `Control+A`)."""

    key: str

    async def run(self, client: PageClient, values: dict[str, object]) -> None:
        await client.press(fill(self.selector, values), self.key)


@ops.register("read")
@dataclass(frozen=True)
class Read(Op):
    """Read the first match's `attribute` (or its text) into the value named `as`."""

    into: str = field(metadata={"yaml": "as"})  # YAML `as`, a Python keyword
    attribute: Optional[str] = None

    async def run(self, client: PageClient, values: dict[str, object]) -> None:
        locator = page_of(client).locator(fill(self.selector, values)).first
        values[self.into] = await locator.evaluate(READ_JS, self.attribute)


@ops.register("wait")
@dataclass(frozen=True)
class Wait(Op):
    """Wait until the first match of `selector` is visible (`page.wait_for_selector`)."""

    primary: ClassVar[Optional[str]] = "selector"
    waits_for: ClassVar[str] = "a visible match"

    async def run(self, client: PageClient, values: dict[str, object]) -> None:
        await page_of(client).wait_for_selector(fill(self.selector, values), state="visible")


#: How an `evaluate` op's expression runs: the op's values are `v`; a Promise is awaited. The
#: expression stands on lines of its own, as the load-time check parses it (a trailing `// note`).
EVALUATE_JS = "async (v) => (\n{js}\n)"


@ops.register("evaluate")
@dataclass(frozen=True)
class Evaluate(Op):
    """Evaluate a JavaScript expression in the page (a Promise is awaited); the values so far
    are `v` (`v.title`, `v.client`); `as` stores the result for later ops and the key."""

    primary: ClassVar[Optional[str]] = "js"
    waits_for: ClassVar[str] = "its value (a Promise to settle)"
    selector: str = field(default="", init=False, metadata={"yaml": None})
    js: str = ""
    into: Optional[str] = field(default=None, metadata={"yaml": "as"})

    def describe(self, values: Mapping[str, object]) -> str:
        return f"evaluate {self.js!r}"

    async def run(self, client: PageClient, values: dict[str, object]) -> None:
        result = await page_of(client).evaluate(EVALUATE_JS.format(js=self.js), values)
        if self.into:
            values[self.into] = result


def parse_op(data: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Op]:
    """One YAML item of `ops:` -> an Op, or None with the reasons appended to `problems`."""
    if not isinstance(data, dict) or len(data) != 1:
        problems.append(pos.problem(path, f"expected one operation like `click: \"#add\"` or "
                                          f"`fill: {{selector: ..., value: ...}}` ({', '.join(ops.names())}), got {data!r}"))
        return None
    (verb, arg), = data.items()
    if verb not in ops:
        close = difflib.get_close_matches(str(verb), ops.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(pos.problem(path + (verb,), f"unknown operation {verb!r}{hint}; known: {', '.join(ops.names())}", key=True))
        return None
    return _build(ops.get(verb), arg, path + (verb,), pos, problems)


def _build(cls: type[Op], arg: object, path: Path_, pos: Positions, problems: list[Problem]) -> Optional[Op]:
    fields = {f.metadata.get("yaml", f.name): f for f in dataclasses.fields(cls) if f.init}
    if not isinstance(arg, dict):
        if cls.primary is None:
            problems.append(pos.problem(path, f"expected a mapping of {', '.join(fields)}, got {arg!r}"))
            return None
        arg = {cls.primary: arg}
    before = len(problems)
    kwargs: dict[str, str | None] = {}
    for key, value in arg.items():
        f = fields.get(key)
        if f is None:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(pos.problem(path + (key,), f"unknown key {key!r}{hint}; allowed: {', '.join(fields)}", key=True))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            kwargs[f.name] = str(value)
        elif value is None and f.default is None:
            kwargs[f.name] = None
        else:
            problems.append(pos.problem(path + (key,), f"expected a string, got {value!r}"))
    for name, f in fields.items():
        if name not in arg and (f.default is dataclasses.MISSING or name == cls.primary):
            problems.append(pos.problem(path, f"missing required key {name!r}"))
    if len(problems) > before:
        return None
    make: Callable[..., Op] = cls  # the op's own fields, known at run time: each a str or an optional str
    return make(**kwargs)
