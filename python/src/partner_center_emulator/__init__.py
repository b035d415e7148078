"""The Partner Center emulator for Python test suites.

Installing this package puts the `partner-center-emulator` binary on PATH and registers a pytest
plugin (`partner_center_emulator.pytest_plugin`) whose fixtures start it. `Emulator` is the same
thing without pytest: `with Emulator.start() as emulator: ...`.
"""

from .emulator import (
    DEVELOPMENT,
    Credentials,
    Emulator,
    EmulatorError,
    Partner,
    find_binary,
)

__all__ = ["DEVELOPMENT", "Credentials", "Emulator", "EmulatorError", "Partner", "find_binary"]
