"""Microsoft's libraries in their standard patterns, against the emulator's sign-in service.

MSAL for Python: the refresh token an interactive sign-in left (the Secure Application Model's),
then silent from its cache (and a refresh from its refresh token); the password flow of a user
who must do MFA refused as Entra ID refuses it (AADSTS50076); an authority whose tenant does not
exist fails when the application object is built. azure-identity: ClientSecretCredential, whose
own cache answers the second call, and UsernamePasswordCredential refused for an MFA user.

Two settings every client of the emulator needs, and why:
- instance discovery off (MSAL: `instance_discovery=False`; azure-identity:
  `disable_instance_discovery=True`): otherwise the library asks login.microsoftonline.com
  whether the authority host is a Microsoft cloud, and the emulator's host is not;
- the HTTPS listener on port 443 for a password sign-in: before it, MSAL looks up the user's
  realm at `https://<authority host>/common/userrealm/...` without the authority's port.
Both libraries also need to trust the emulator's self-signed certificate
(`GET /_emulator/tls/certificate`): `REQUESTS_CA_BUNDLE` for MSAL and azure-identity alike.
"""

import os
import time

import pytest

from conftest import (
    DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_PASSWORD, DEV_TENANT, DEV_USER, DEV_USER_ID, SCOPE, https_emulator,
)

msal = pytest.importorskip("msal")
identity = pytest.importorskip("azure.identity")

HTTPS_PORT = 443


@pytest.fixture(scope="module")
def authority_host(tmp_path_factory):
    """`https://localhost`: the emulator's HTTPS listener on port 443, trusted by this process."""
    with https_emulator(HTTPS_PORT, tmp_path_factory.mktemp("tls")) as trust:
        previous = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = trust
        try:
            yield "https://localhost"
        finally:
            if previous is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = previous


def interactive_refresh_token(authority_host: str) -> str:
    """The refresh token the development user's interactive sign-in (with MFA) left, which a
    partner keeps from the Secure Application Model's consent: here from the control plane."""
    import requests  # MSAL's own dependency; trusts REQUESTS_CA_BUNDLE

    path = f"/_emulator/partners/{DEV_TENANT}/users/{DEV_USER_ID}/refresh-tokens"
    answer = requests.post(f"{authority_host}{path}", json={"clientId": DEV_CLIENT_ID}, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["refreshToken"]


def test_msal_keeps_an_interactive_sign_ins_refresh_token_then_serves_silently(authority_host):
    app = msal.PublicClientApplication(
        DEV_CLIENT_ID, authority=f"{authority_host}/{DEV_TENANT}", instance_discovery=False
    )
    first = app.acquire_token_by_refresh_token(interactive_refresh_token(authority_host), scopes=[SCOPE])
    assert "access_token" in first, first
    assert first["id_token_claims"]["preferred_username"] == DEV_USER
    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == [DEV_USER], "the refresh recorded an account"
    assert accounts[0]["home_account_id"] == f"{DEV_USER_ID}.{DEV_TENANT}"

    # Microsoft's standard pattern from here on: silent first, served from the cache.
    second = app.acquire_token_silent([SCOPE], account=accounts[0])
    assert second["token_source"] == "cache", "the second call is served from the cache"
    assert second["access_token"] == first["access_token"]

    refreshed = app.acquire_token_silent([SCOPE], account=accounts[0], force_refresh=True)
    assert refreshed["token_source"] == "identity_provider", "refreshed with the cached refresh token"
    assert refreshed["access_token"] != first["access_token"]


def test_msal_password_flow_of_a_user_who_must_do_mfa_is_refused(authority_host):
    app = msal.PublicClientApplication(
        DEV_CLIENT_ID, authority=f"{authority_host}/{DEV_TENANT}", instance_discovery=False
    )
    result = app.acquire_token_by_username_password(DEV_USER, DEV_PASSWORD, scopes=[SCOPE])
    assert "access_token" not in result, "a password cannot sign an MFA user in"
    assert (result.get("error"), result.get("error_codes"), result.get("suberror")) == (
        "invalid_grant", [50076], "basic_action"), result
    assert app.get_accounts() == [], "nothing was cached"


def test_msal_confidential_client_caches_its_app_only_token(authority_host):
    app = msal.ConfidentialClientApplication(
        DEV_CLIENT_ID, client_credential=DEV_CLIENT_SECRET,
        authority=f"{authority_host}/{DEV_TENANT}", instance_discovery=False,
    )
    first = app.acquire_token_for_client(scopes=[SCOPE])
    assert first["token_source"] == "identity_provider", first
    assert app.acquire_token_for_client(scopes=[SCOPE])["token_source"] == "cache"


def test_an_unknown_tenant_fails_when_the_msal_application_is_built(authority_host):
    with pytest.raises(ValueError) as refused:
        msal.ConfidentialClientApplication(
            DEV_CLIENT_ID, client_credential=DEV_CLIENT_SECRET,
            authority=f"{authority_host}/0f0f0f0f-0000-4000-8000-000000000000", instance_discovery=False,
        )
    # MSAL words it in its own terms, with the sign-in service's refusal as the cause.
    cause = refused.value.__cause__ or refused.value.__context__
    assert "AADSTS90002" in str(cause), repr(refused.value)


def test_azure_identity_client_secret_credential(authority_host):
    credential = identity.ClientSecretCredential(
        DEV_TENANT, DEV_CLIENT_ID, DEV_CLIENT_SECRET,
        authority=authority_host, disable_instance_discovery=True,
    )
    first = credential.get_token(SCOPE)
    assert first.token and first.expires_on > time.time()
    assert credential.get_token(SCOPE).token == first.token, "served from the credential's cache"


def test_azure_identity_username_password_credential_is_refused_for_an_mfa_user(authority_host):
    from azure.core.exceptions import ClientAuthenticationError

    credential = identity.UsernamePasswordCredential(
        DEV_CLIENT_ID, DEV_USER, DEV_PASSWORD, tenant_id=DEV_TENANT,
        authority=authority_host, disable_instance_discovery=True,
    )
    with pytest.raises(ClientAuthenticationError) as refused:
        credential.get_token(SCOPE)
    assert "AADSTS50076" in str(refused.value), refused.value
