"""Page resources served from local files: a target's `resources` on Playwright's request routing.

A page that loads a library from a CDN (`<script src="https://cdn.../lib.min.js">`) cannot run
where there is no network (many CI runners). Each `resources` entry routes the requests whose
URL matches its pattern (`context.route`: an exact URL or a glob with `*` and `**`) to a local
file, answered with the file's bytes, a content type from its extension, and
`Access-Control-Allow-Origin: *` (a `<script crossorigin>` with an `integrity` hash needs a CORS
answer; the hash still has to match the file). Each request served is journaled as
`page.resource`, so a report shows which URLs never touched the network.
"""

from __future__ import annotations

from functools import partial

from playwright.async_api import BrowserContext, Route

from harness.journal import Journal

#: What every local answer carries besides the file: a cross-origin `<script>` may read it.
HEADERS = {"access-control-allow-origin": "*"}


async def serve_local_files(context: BrowserContext, resources: tuple[tuple[str, str], ...],
                            journal: Journal, client: str) -> None:
    """Route each (URL pattern, file path) of `resources` in `context` to the file."""
    for pattern, path in resources:
        await context.route(pattern, partial(_fulfill, path, journal, client))


async def _fulfill(path: str, journal: Journal, client: str, route: Route) -> None:
    journal.record("page.resource", client=client, url=route.request.url, file=path)
    await route.fulfill(path=path, headers=HEADERS)
