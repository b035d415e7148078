"""Start the emulator binary on free ports with a database of its own, and talk to it.

Only the standard library is needed; MSAL is used for the application's tokens when it is
installed, as the code under test would use it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sysconfig
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

BINARY_NAME = "partner-center-emulator"


@dataclass(frozen=True)
class Credentials:
    """An application and a user of the emulated sign-in service."""

    tenant_id: str
    client_id: str
    client_secret: str
    user_name: str
    password: str
    scope: str = "https://api.partnercenter.microsoft.com/.default"


#: The development identities every fresh or reset emulator holds (docs/sign-in.md): a development
#: emulator's published secrets, never production ones.
DEVELOPMENT = Credentials(
    tenant_id="7e57da7a-0000-4000-8000-00000000d001",
    client_id="7e57da7a-0000-4000-8000-00000000a991",
    client_secret="pce-development-client-secret-not-for-production",
    user_name="admin@contoso-dev.onmicrosoft.com",
    password="Pce-Development-Passw0rd",
)


class EmulatorError(RuntimeError):
    """The emulator could not be found, started or asked: the message says what to change."""


@dataclass(frozen=True)
class Partner:
    """A partner made for one test, with an Admin agent's App+User token of its own."""

    tenant_id: str
    token: str


def find_binary() -> str:
    """The emulator binary: `PCE_BIN` if set, else the one this package installed, else PATH."""
    named = os.environ.get("PCE_BIN")
    if named:
        if not (os.path.isfile(named) and os.access(named, os.X_OK)):
            raise EmulatorError(f"PCE_BIN names {named!r}, which is not an executable file")
        return named
    beside = Path(sysconfig.get_path("scripts")) / BINARY_NAME
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(BINARY_NAME)
    if found:
        return found
    raise EmulatorError(
        f"the {BINARY_NAME} binary was not found: install this package's wheel in the environment "
        "that runs the tests (it carries the binary), or set PCE_BIN to the binary's path"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """A running emulator: `base_url` (HTTP), `https_url` (its HTTPS listener, trusted through
    `ca_bundle`) and the calls a test needs. Stop it with `stop()` or use it as a context manager."""

    def __init__(self, process: subprocess.Popen, base_url: str, https_url: str, ca_bundle: str,
                 folder: Path, owns_folder: bool):
        self.process = process
        self.base_url = base_url
        self.https_url = https_url
        self.ca_bundle = ca_bundle
        self.folder = folder
        self._owns_folder = owns_folder

    @classmethod
    def start(cls, binary: Optional[str] = None, args: Sequence[str] = (), folder: Optional[Path] = None,
              timeout: float = 30.0) -> "Emulator":
        """Start the binary on two free ports (HTTP and HTTPS) with a fresh SQLite database in
        `folder` (a new temporary folder, removed on stop, if none), and wait until it is ready."""
        binary = binary or find_binary()
        owns_folder = folder is None
        folder = Path(tempfile.mkdtemp(prefix="pce-")) if folder is None else Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # Fresh, as promised: an earlier run's database in the folder is not reused.
        for leftover in ("emulator.db", "emulator.db-wal", "emulator.db-shm"):
            (folder / leftover).unlink(missing_ok=True)
        port, tls_port = _free_port(), _free_port()
        log_path = folder / "emulator.log"
        command = [binary, "--listen", f"127.0.0.1:{port}", "--tls-listen", f"127.0.0.1:{tls_port}",
                   "--database-url", f"sqlite://{folder / 'emulator.db'}", *args]
        with open(log_path, "wb") as log:
            try:
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                           env=dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn")))
            except OSError as error:
                raise EmulatorError(f"{binary} could not be run: {error}") from error
        emulator = cls(process, f"http://127.0.0.1:{port}", f"https://localhost:{tls_port}", "", folder, owns_folder)
        try:
            emulator._wait_until_ready(timeout, log_path)
            certificate = urllib.request.urlopen(f"{emulator.base_url}/_emulator/tls/certificate", timeout=5).read()
            trust = folder / "emulator-ca.pem"
            trust.write_bytes(certificate)
            emulator.ca_bundle = str(trust)
        except BaseException:
            emulator.stop()
            raise
        return emulator

    def _wait_until_ready(self, timeout: float, log_path: Path) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base_url}/_emulator/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            code = self.process.poll()
            if code is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
                raise EmulatorError(
                    f"the emulator exited with code {code} before it was ready; its last output:\n"
                    + "\n".join(tail)
                )
            if time.monotonic() > deadline:
                raise EmulatorError(f"the emulator was not ready after {timeout:.0f} s (its log: {log_path})")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 30 s) and remove its temporary folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    # Calls -----------------------------------------------------------------------------------

    def call(self, method: str, path: str, token: Optional[str] = None, body: Any = None,
             headers: Optional[dict] = None) -> tuple[int, Any]:
        """One request: its status and its JSON body (None when empty). Errors are answers too."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, method=method, data=data)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, _json(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, _json(refused.read())

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(method, path, body=body)
        if not 200 <= status < 300:
            raise EmulatorError(f"{method} {path} answered {status}: {answer}")
        return answer

    def reset(self, partner_tenant_id: Optional[str] = None) -> None:
        """A clean state: everything (the development identities are made again), or one partner's."""
        body = None if partner_tenant_id is None else {"partnerTenantId": partner_tenant_id}
        self._control("POST", "/_emulator/reset", body)

    def new_partner(self, partner_type: str = "DirectBill", roles: Sequence[str] = ("AdminAgent",)) -> Partner:
        """A partner of its own, so a test needs no reset and can run beside others."""
        made = self._control("POST", "/_emulator/partners",
                             {"name": f"pytest partner {uuid.uuid4().hex[:8]}", "partnerType": partner_type})
        minted = self._control("POST", "/_emulator/tokens",
                               {"partnerTenantId": made["tenantId"], "roles": list(roles), "appOnly": False})
        return Partner(tenant_id=made["tenantId"], token=minted["access_token"])

    def app_token(self, credentials: Credentials = DEVELOPMENT) -> str:
        """An App-only token by client credentials: with MSAL over HTTPS when MSAL is installed (as
        an application gets it), else from the token endpoint directly."""
        try:
            import msal  # noqa: PLC0415 (optional)
            import requests  # noqa: PLC0415 (MSAL's own dependency)
        except ImportError:
            return self._token({"grant_type": "client_credentials", "client_id": credentials.client_id,
                                "client_secret": credentials.client_secret, "scope": credentials.scope},
                               credentials.tenant_id)
        app = msal.ConfidentialClientApplication(
            credentials.client_id, client_credential=credentials.client_secret,
            authority=f"{self.https_url}/{credentials.tenant_id}", validate_authority=False,
            instance_discovery=False, http_client=_trusting_session(requests, self.ca_bundle))
        result = app.acquire_token_for_client(scopes=[credentials.scope])
        if "access_token" not in result:
            raise EmulatorError(f"MSAL got no token: {result.get('error')}: {result.get('error_description')}")
        return result["access_token"]

    def user_token(self, credentials: Credentials = DEVELOPMENT) -> str:
        """An App+User token of the user, from the token endpoint directly (MSAL's password flow
        looks the user's realm up without the authority's port: docs/sdks.md). The password grant
        comes first, so the password (and a confidential app's secret) must be right. A user
        without MFA gets the token there, and it carries no MFA. A user who must do MFA (the
        development user does) is refused there with AADSTS50076, as Entra ID refuses them: the
        token then comes from refreshing the refresh token an interactive sign-in with MFA leaves,
        which the control plane issues (docs/sign-in.md), as code using the Secure Application
        Model refreshes the one its consent left."""
        form = {"grant_type": "password", "client_id": credentials.client_id, "username": credentials.user_name,
                "password": credentials.password, "scope": credentials.scope}
        if credentials.client_secret:
            form["client_secret"] = credentials.client_secret
        status, answer = self._token_answer(form, credentials.tenant_id)
        if status == 200:
            return answer["access_token"]
        if 50076 not in (answer or {}).get("error_codes", []):
            raise EmulatorError(f"the token endpoint refused: {answer}")
        # The tenant may be named by one of its domains: its discovery document names its id.
        issuer = self._control("GET", f"/{credentials.tenant_id}/v2.0/.well-known/openid-configuration")["issuer"]
        tenant_id = issuer.rstrip("/").split("/")[-2]
        user_name = credentials.user_name.strip().lower()
        users = self._control("GET", f"/_emulator/partners/{tenant_id}/users")["items"]
        user_id = next((u["id"] for u in users if u["userName"] == user_name), None)
        if user_id is None:
            raise EmulatorError(f"no user {credentials.user_name!r} in the partner {tenant_id}")
        issued = self._control("POST", f"/_emulator/partners/{tenant_id}/users/{user_id}/refresh-tokens",
                               {"clientId": credentials.client_id})
        form = {"grant_type": "refresh_token", "client_id": credentials.client_id,
                "refresh_token": issued["refreshToken"], "scope": credentials.scope}
        if credentials.client_secret:
            form["client_secret"] = credentials.client_secret
        return self._token(form, credentials.tenant_id)

    def _token(self, form: dict, tenant_id: str) -> str:
        status, answer = self._token_answer(form, tenant_id)
        if status != 200:
            raise EmulatorError(f"the token endpoint refused: {answer}")
        return answer["access_token"]

    def _token_answer(self, form: dict, tenant_id: str) -> tuple:
        data = urllib.parse.urlencode(form).encode()
        try:
            with urllib.request.urlopen(f"{self.base_url}/{tenant_id}/oauth2/v2.0/token", data=data,
                                        timeout=30) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as refused:
            return refused.code, _json(refused.read())


def _trusting_session(requests: Any, ca_bundle: str) -> Any:
    """A requests session that trusts the emulator's certificate on every request. (A session's own
    `verify` loses to REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment; a request's wins.)"""

    class TrustingSession(requests.Session):
        def request(self, method, url, **kwargs):
            kwargs["verify"] = ca_bundle
            return super().request(method, url, **kwargs)

    return TrustingSession()


def _json(raw: bytes) -> Any:
    return json.loads(raw) if raw.strip() else None
