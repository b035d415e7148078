"""pytest fixtures for the Partner Center emulator, registered by installing this package.

- `pce_emulator` (session): one emulator for the whole run, on free ports, with a fresh database.
- `pce`: the same emulator, reset to a clean state before the test.
- `pce_partner`: a partner of the test's own (no reset: tests that use it can share the emulator).
- `pce_credentials`: the development app and user; `pce_app_token`, `pce_user_token`: their tokens.

`PCE_BIN` names another binary; `--pce-arg` (repeatable) or the `pce_args` ini option passes flags
to it (`--pce-arg=--service-date=2025-03-01`).
"""

from __future__ import annotations

import pytest

from .emulator import DEVELOPMENT, Credentials, Emulator, EmulatorError, Partner


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("partner-center-emulator")
    group.addoption("--pce-arg", action="append", default=[], dest="pce_args",
                    help="a command-line flag for the emulator (repeatable)")
    parser.addini("pce_args", type="args", default=[], help="command-line flags for the emulator")


@pytest.fixture(scope="session")
def pce_emulator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Emulator:
    """The emulator of this test session."""
    args = [*request.config.getini("pce_args"), *request.config.getoption("pce_args")]
    try:
        emulator = Emulator.start(args=args, folder=tmp_path_factory.mktemp("partner-center-emulator"))
    except EmulatorError as error:
        pytest.fail(f"partner-center-emulator: {error}", pytrace=False)
    yield emulator
    emulator.stop()


@pytest.fixture
def pce(pce_emulator: Emulator) -> Emulator:
    """The emulator, reset to a clean state for this test."""
    pce_emulator.reset()
    return pce_emulator


@pytest.fixture
def pce_partner(pce_emulator: Emulator) -> Partner:
    """A partner made for this test, with an Admin agent's App+User token."""
    return pce_emulator.new_partner()


@pytest.fixture(scope="session")
def pce_credentials() -> Credentials:
    """The development identities every fresh or reset emulator holds."""
    return DEVELOPMENT


@pytest.fixture
def pce_app_token(pce: Emulator, pce_credentials: Credentials) -> str:
    """An App-only token of the development app, on a reset emulator."""
    return pce.app_token(pce_credentials)


@pytest.fixture
def pce_user_token(pce: Emulator, pce_credentials: Credentials) -> str:
    """An App+User token of the development Admin agent, on a reset emulator."""
    return pce.user_token(pce_credentials)
