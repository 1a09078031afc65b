"""Drivers: the only code that does I/O with real components (processes, Toxiproxy, browsers, sockets)."""
