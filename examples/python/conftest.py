"""pytest fixtures that start the Partner Center emulator for a test session and tear it down.

Copy this file next to your tests (needs `pip install pytest`). It starts the emulator binary
named by PCE_BIN (default: inside this repository, its release build, made on demand; elsewhere,
`partner-center-emulator` on PATH, which `cargo install --locked --path .` puts there) on a free port with a throwaway in-memory
database, waits for /_emulator/ready, and stops it after the session. Tokens come from the
emulator's sign-in service with the development app and user that every fresh database holds,
exactly as your code gets them from Microsoft's. The App-only token needs nothing else. The
App+User token is refreshed from the refresh token the user's interactive sign-in (with MFA) left,
as code using Microsoft's Secure Application Model refreshes the one its consent left; that one
sign-in is the only thing the control plane stands in for (the password grant cannot do MFA, and
Entra ID refuses it for a user who must, as the emulator does).
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
DEV_TENANT = "7e57da7a-0000-4000-8000-00000000d001"
DEV_CLIENT_ID = "7e57da7a-0000-4000-8000-00000000a991"
DEV_CLIENT_SECRET = "pce-development-client-secret-not-for-production"
DEV_USER = "admin@contoso-dev.onmicrosoft.com"
DEV_PASSWORD = "Pce-Development-Passw0rd"
DEV_USER_ID = "7e57da7a-0000-4000-8000-00000000e5e1"
SCOPE = "https://api.partnercenter.microsoft.com/.default"


def _binary() -> str:
    if "PCE_BIN" in os.environ:
        return os.environ["PCE_BIN"]
    if (REPOSITORY / "Cargo.toml").is_file() and (REPOSITORY / "src" / "main.rs").is_file():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPOSITORY, check=True)
        return str(REPOSITORY / "target" / "release" / "partner-center-emulator")
    on_path = shutil.which("partner-center-emulator")
    if on_path:
        return on_path
    raise RuntimeError(
        "partner-center-emulator was not found: set PCE_BIN to the binary, or put it on PATH "
        "(cargo install --locked --path <the emulator's repository>)"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def emulator():
    """The base URL of a running emulator, e.g. http://127.0.0.1:41234."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RUST_LOG="warn")
    process = subprocess.Popen(
        [_binary(), "--listen", f"127.0.0.1:{port}", "--database-url", "sqlite::memory:"], env=env
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_emulator/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not become ready (exit code {process.poll()})")
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def https_emulator(tls_port: int, folder: Path):
    """An emulator with an HTTPS listener on `tls_port` beside its HTTP one: yields the path of its
    self-signed certificate (PEM, in `folder`), which a client must trust; stops it afterwards."""
    port = _free_port()
    process = subprocess.Popen(
        [_binary(), "--listen", f"127.0.0.1:{port}", "--tls-listen", f"127.0.0.1:{tls_port}",
         "--database-url", "sqlite::memory:"],
        env=dict(os.environ, RUST_LOG="warn"),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/tls/certificate") as answer:
                    certificate = answer.read()
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"the emulator could not start with its HTTPS listener on port {tls_port} "
                        f"(exit code {process.returncode}); a port below 1024 needs root or CAP_NET_BIND_SERVICE"
                    )
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        trust = folder / "emulator.pem"
        trust.write_bytes(certificate)
        yield str(trust)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def reset(emulator):
    """A clean state for one test (the development identities are made again)."""
    urllib.request.urlopen(urllib.request.Request(f"{emulator}/_emulator/reset", method="POST"))
    return emulator


def request_token(base: str, form: dict, tenant: str = DEV_TENANT) -> dict:
    """POST a form to the emulated token endpoint and return its JSON answer."""
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(f"{base}/{tenant}/oauth2/v2.0/token", data=data) as answer:
        return json.load(answer)


@pytest.fixture
def app_token(emulator) -> str:
    """An App-only access token of the development app (client credentials)."""
    return request_token(
        emulator,
        {"grant_type": "client_credentials", "client_id": DEV_CLIENT_ID,
         "client_secret": DEV_CLIENT_SECRET, "scope": SCOPE},
    )["access_token"]


def interactive_refresh_token(base: str) -> str:
    """The refresh token the development user's interactive sign-in (with MFA) leaves: what a
    partner keeps from the Secure Application Model's one-time consent, here from the control plane."""
    request = urllib.request.Request(
        f"{base}/_emulator/partners/{DEV_TENANT}/users/{DEV_USER_ID}/refresh-tokens",
        data=json.dumps({"clientId": DEV_CLIENT_ID}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["refreshToken"]


@pytest.fixture
def user_token(emulator) -> str:
    """An App+User access token of the development Admin agent, with MFA: refreshed from the
    refresh token its interactive sign-in left."""
    return request_token(
        emulator,
        {"grant_type": "refresh_token", "client_id": DEV_CLIENT_ID,
         "refresh_token": interactive_refresh_token(emulator), "scope": SCOPE},
    )["access_token"]
