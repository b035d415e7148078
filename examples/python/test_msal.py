"""Microsoft's authentication library (MSAL for Python) against the emulator's HTTPS listener.

MSAL insists on an https authority: the emulator serves one with --tls-listen, and its
self-signed certificate (GET /_emulator/tls/certificate) is what the client trusts.
"""

import urllib.request

import pytest

from conftest import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_TENANT, SCOPE, _free_port
from conftest import https_emulator as https_emulator_on

msal = pytest.importorskip("msal")


@pytest.fixture(scope="module")
def https_emulator(tmp_path_factory):
    tls_port = _free_port()
    with https_emulator_on(tls_port, tmp_path_factory.mktemp("tls")) as trust:
        yield f"https://localhost:{tls_port}", trust


def test_msal_gets_an_app_only_token_from_the_emulator(https_emulator, monkeypatch):
    authority, trust = https_emulator
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", trust)
    app = msal.ConfidentialClientApplication(
        DEV_CLIENT_ID,
        client_credential=DEV_CLIENT_SECRET,
        authority=f"{authority}/{DEV_TENANT}",
        validate_authority=False,
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[SCOPE])
    assert result.get("token_type") == "Bearer", result
    # The customer list takes an App-only token (the agreement reads are App+User only, as at Microsoft).
    request = urllib.request.Request(f"{authority}/v1/customers?size=1")
    request.add_header("Authorization", f"Bearer {result['access_token']}")
    import ssl
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=trust)) as answer:
        assert answer.status == 200


def test_a_wrong_secret_is_an_msal_error_with_its_aadsts_code(https_emulator, monkeypatch):
    authority, trust = https_emulator
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", trust)
    app = msal.ConfidentialClientApplication(
        DEV_CLIENT_ID, client_credential="wrong", authority=f"{authority}/{DEV_TENANT}",
        validate_authority=False, instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[SCOPE])
    assert result["error"] == "invalid_client" and result["error_codes"] == [7000215], result
