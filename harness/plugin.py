"""pytest plugin for wschaos (registered through the `pytest11` entry point)."""
