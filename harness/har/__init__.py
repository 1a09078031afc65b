"""From a recording to a scenario: `wschaos import har FILE.har` (docs/message-faults.md).

`reader` reads a HAR's WebSockets (pure), `replay` turns the app socket into replay actions and
faults (pure), `scenario` writes them as YAML (pure), `import_cmd` is the command around them.
"""
