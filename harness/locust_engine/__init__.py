"""Distributed load on Locust (`load: {engine: locust}`): a master and worker processes run
`wsuser.py` (a gevent world the harness never imports); `engine.py` (harness side, asyncio) starts
them, reads the master's feed into the journal and returns the load's summary."""
