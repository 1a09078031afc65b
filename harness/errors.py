"""wschaos exceptions and the exit codes they map to.

    WschaosError                      exit 3 unless a subclass says otherwise
    ├── InvalidInput                  exit 2: a scenario/target file is wrong (carries every problem)
    ├── SetupError                    exit 3: a tool is missing (toxiproxy-server, Chromium, ...)
    ├── InfrastructureError           exit 3: a real component misbehaved (process died, API timeout)
    │   └── ProcessError              a subprocess did not start or become ready (carries its last log lines)
    ├── ReportError                   exit 3: results.json could not be written (a full or read-only disk)
    └── StepFailed                    an inline `expect` did not hold; the scenario fails (exit 1)

Exit codes: 0 passed, 1 checks failed, 2 invalid input, 3 harness/infrastructure error,
4 inconclusive (nothing failed, but some scenario could not be judged: the machine was too slow, or
a check could not see enough),
130 interrupted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.scenario.yamlpos import Problem

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_HARNESS = 3
EXIT_INCONCLUSIVE = 4
EXIT_INTERRUPTED = 130


class WschaosError(Exception):
    """Root of every error wschaos raises on purpose."""

    exit_code = EXIT_HARNESS


class InvalidInput(WschaosError):
    """A scenario or target file is invalid; `problems` lists every error found."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SetupError(WschaosError):
    """Something the harness needs is not installed or not configured."""


class InfrastructureError(WschaosError):
    """A real component (Toxiproxy, the server, the browser) failed underneath the run."""


class ReportError(WschaosError):
    """A report could not be written at all (results.json on a full or read-only disk): exit 3."""


class ProcessError(InfrastructureError):
    """A subprocess failed to start, exited early, or never became ready."""

    def __init__(self, message: str, log_tail: list[str] | None = None) -> None:
        self.log_tail = list(log_tail or [])
        text = message
        if self.log_tail:
            text += "\nlast output:\n  " + "\n  ".join(self.log_tail)
        super().__init__(text)


class StepFailed(WschaosError):
    """An inline expectation did not hold: the scenario fails, the run goes on to teardown."""

    exit_code = EXIT_FAILED
