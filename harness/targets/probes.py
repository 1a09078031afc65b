"""The one JavaScript expression a page evaluates every `probe_interval`: every probe's value.

The snapshot and each probe may return a Promise (an app whose state lives in an ES module is
reached by `import()`): it is awaited for at most `AWAIT_MS`; a Promise that takes longer, or
rejects, reads `null` like a probe that throws. Plain values are never put behind a timer.

Each piece of the target's JavaScript stands on lines of its own, as the load-time check
(`harness.jscheck`) parses it: a trailing `// comment` then ends with its line instead of
swallowing the rest of the expression.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.targets.model import Target

#: How long a probe's (or the snapshot's) Promise is awaited before it reads null.
AWAIT_MS = 1000

_BOUND = ("const bound = (v) => (v && typeof v.then === 'function') ? new Promise((ok, no) => {"
          " const timer = setTimeout(() => no(new Error('probe timed out')), %d);"
          " v.then((x) => { clearTimeout(timer); ok(x); }, (e) => { clearTimeout(timer); no(e); }); }) : v;")


def probe_expression(target: Target, await_ms: int = AWAIT_MS) -> str | None:
    """`{state: ..., queue_length: ...}` in one async expression, or None without snapshot and probes."""
    if not target.probes and target.snapshot is None:
        return None
    head = f"(async () => {{ {_BOUND % await_ms} "
    if target.snapshot is not None:
        head += f"const s = await bound(\n{target.snapshot}\n); if (s === null || s === undefined) return null; "
    if not target.probes:
        return head + "return s; })()"
    reads = ", ".join(f"{json.dumps(name)}: await read(() => (\n{probe}\n))" for name, probe in target.probes.items())
    read = "const read = async (f) => { try { return await bound(f()); } catch (e) { return null; } }; "
    return head + read + f"return {{{reads}}}; }})()"
