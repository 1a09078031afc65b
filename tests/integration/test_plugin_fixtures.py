"""The plugin's fixtures, exercised in an inner pytest run (pytester)."""

from __future__ import annotations

INNER = '''
import asyncio

async def test_proxy_factory(wschaos_proxy, wschaos_toxiproxy, wschaos_journal):
    proxy = await wschaos_proxy("inner_a", "127.0.0.1:9", client="p0")
    await proxy.add_toxic("latency", "downstream", {"latency": 5})
    await proxy.disable()
    assert "inner_a" in await wschaos_toxiproxy.proxies()
    assert wschaos_journal.events[-1]["kind"] == "proxy.create"

async def test_cleaned_after(wschaos_toxiproxy):
    assert "inner_a" not in await wschaos_toxiproxy.proxies()
    assert await wschaos_toxiproxy.verify_clean() == (0, 0)

async def test_failing_test_still_cleans(wschaos_proxy):
    await wschaos_proxy("inner_b", "127.0.0.1:9")
    assert False, "boom"

async def test_cleaned_after_failure(wschaos_toxiproxy):
    assert "inner_b" not in await wschaos_toxiproxy.proxies()
'''

INI = '''
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
'''


def test_proxy_fixture_cleans_up_even_on_failure(pytester):
    """wschaos_proxy deletes its proxies and resets Toxiproxy after every test, failed or not."""
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: boom*"])


def test_option_group_registered(pytester):
    """The plugin adds the --wschaos-headed option to pytest's help."""
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*wschaos chaos harness*", "*--wschaos-headed*"])
