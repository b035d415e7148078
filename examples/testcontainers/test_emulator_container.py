"""The emulator's image as a Testcontainers module would use it: a container per test session on a
random host port, ready once the image's own HEALTHCHECK says healthy, removed at the end.

Needs `pip install pytest testcontainers` and a Docker engine. PCE_IMAGE names the image (default
partner-center-emulator:local, which `docker build -t partner-center-emulator:local .` makes in the
repository). Where Docker Hub is out of reach, set TESTCONTAINERS_RYUK_DISABLED=true: the clean-up
container Testcontainers starts by default comes from there; the fixture removes its container
itself. Where the tests themselves run in a container and the engine publishes ports on loopback
only, set TESTCONTAINERS_CONNECTION_MODE=docker_host and TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
(Testcontainers would use the bridge's gateway).
"""

import json
import os
import time
import urllib.parse
import urllib.request

import pytest
from testcontainers.core.container import DockerContainer

IMAGE = os.environ.get("PCE_IMAGE", "partner-center-emulator:local")
DEV_TENANT = "7e57da7a-0000-4000-8000-00000000d001"
DEV_CLIENT_ID = "7e57da7a-0000-4000-8000-00000000a991"
DEV_CLIENT_SECRET = "pce-development-client-secret-not-for-production"
SCOPE = "https://api.partnercenter.microsoft.com/.default"


def wait_until_healthy(container: DockerContainer, timeout: float = 60) -> None:
    """Waits for the image's HEALTHCHECK (the binary's own probe of /_emulator/health)."""
    wrapped = container.get_wrapped_container()
    deadline = time.monotonic() + timeout
    while True:
        wrapped.reload()
        state = wrapped.attrs["State"]
        health = state.get("Health", {}).get("Status")
        if health == "healthy":
            return
        if not state.get("Running") or time.monotonic() > deadline:
            raise RuntimeError(f"the emulator container is {health or state.get('Status')}: "
                               f"{wrapped.logs(tail=20).decode(errors='replace')}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def emulator():
    """The base URL of the emulator in its container, e.g. http://127.0.0.1:49153."""
    container = DockerContainer(IMAGE).with_exposed_ports(8080)
    with container:
        wait_until_healthy(container)
        host = container.get_container_host_ip()
        if host == "localhost":
            host = "127.0.0.1"
        yield f"http://{host}:{container.get_exposed_port(8080)}"


def test_the_container_answers_as_partner_center(emulator):
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": DEV_CLIENT_ID,
                                   "client_secret": DEV_CLIENT_SECRET, "scope": SCOPE}).encode()
    with urllib.request.urlopen(f"{emulator}/{DEV_TENANT}/oauth2/v2.0/token", data=form) as answer:
        token = json.load(answer)["access_token"]
    # The customer list takes an App-only token (the agreement reads are App+User only, as at Microsoft).
    request = urllib.request.Request(f"{emulator}/v1/customers?size=1")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as answer:
        customers = json.load(answer)
    assert answer.status == 200 and customers["totalCount"] >= 0, customers


def test_the_container_is_ready(emulator):
    with urllib.request.urlopen(f"{emulator}/_emulator/ready") as answer:
        assert answer.status == 200
