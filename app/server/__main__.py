"""``python -m app.server``: the reference Kanban WebSocket server (docs/reference-app.md)."""

from __future__ import annotations

import logging
import sys

from .bugs import UnknownBugError
from .config import parse_config
from .runner import serve
from .state import KanbanServer


def main(argv: list[str] | None = None) -> int:
    try:
        config = parse_config(sys.argv[1:] if argv is None else argv)
    except UnknownBugError as exc:
        print(f"error: {exc} (use --bugs with known names, or unset KANBAN_BUGS)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return serve(KanbanServer(config))


if __name__ == "__main__":
    sys.exit(main())
