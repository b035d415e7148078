"""A partner's test suite using the plugin's fixtures, as it would in its own repository: nothing
here imports the emulator's repository, and the binary is the one the wheel installed."""

import os
import shutil

from partner_center_emulator import DEVELOPMENT, Emulator, EmulatorError

pytest_plugins = ["pytester"]  # runs a suite inside this one, to see what its flags do

CUSTOMER = {
    "companyProfile": {"domain": "pluginsample"},
    "billingProfile": {
        "email": "ap@plugin.example", "culture": "en-US", "language": "en", "companyName": "Plugin Ltd",
        "defaultAddress": {"firstName": "Ana", "lastName": "Lee", "addressLine1": "1 Main St",
                           "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"},
    },
}


def test_the_binary_is_on_path():
    assert shutil.which("partner-center-emulator"), "the wheel puts the binary on PATH"


def test_an_order_needs_the_customers_acceptance(pce, pce_app_token):
    status, customer = pce.call("POST", "/v1/customers", pce_app_token, CUSTOMER)
    assert status == 201, customer
    order = {"referenceCustomerId": customer["id"],
             "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}]}
    status, refused = pce.call("POST", f"/v1/customers/{customer['id']}/orders", pce_app_token, order)
    assert (status, refused["code"]) == (403, 13605)


def test_a_reset_gives_every_test_a_clean_state(pce, pce_app_token):
    status, customers = pce.call("GET", "/v1/customers", pce_app_token)
    assert status == 200 and customers["totalCount"] == 0, customers


def test_the_user_token_opens_what_an_app_token_cannot(pce, pce_app_token, pce_user_token):
    status, error = pce.call("GET", "/v1/customers/relationshiprequests", pce_app_token)
    assert (status, error["code"]) == (403, 990420)
    status, invitation = pce.call("GET", "/v1/customers/relationshiprequests", pce_user_token)
    assert status == 200 and invitation["url"].startswith(pce.base_url)


def test_a_partner_of_its_own_needs_no_reset(pce_emulator, pce_partner):
    status, customers = pce_emulator.call("GET", "/v1/customers", pce_partner.token)
    assert status == 200 and customers["totalCount"] == 0
    status, _ = pce_emulator.call("POST", "/v1/customers", pce_partner.token, CUSTOMER)
    assert status == 201


def test_the_app_token_comes_through_msal(pce, pce_credentials):
    import msal  # CI installs the wheel with its msal extra: the token below is MSAL's

    assert pce_credentials == DEVELOPMENT and msal.__version__
    assert pce.app_token().count(".") == 2


def test_a_user_token_needs_the_apps_right_secret(pce):
    import dataclasses

    assert pce.user_token().count(".") == 2
    try:
        pce.user_token(dataclasses.replace(DEVELOPMENT, client_secret="wrong-secret"))
    except EmulatorError as error:
        assert "invalid_client" in str(error), error
    else:
        raise AssertionError("a wrong secret got a user token")


def test_the_user_token_carries_the_mfa_the_user_did_and_needs_the_right_password(pce):
    import base64
    import dataclasses
    import json

    payload = pce.user_token().split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["amr"] == ["pwd", "mfa"], "the development user signs in with MFA"
    try:
        pce.user_token(dataclasses.replace(DEVELOPMENT, password="Not-The-Passw0rd"))
    except EmulatorError as error:
        assert "50126" in str(error), error
    else:
        raise AssertionError("a wrong password got a user token")


def test_a_folder_given_twice_starts_fresh_each_time(tmp_path):
    first = Emulator.start(folder=tmp_path)
    try:
        first.new_partner()
        status, partners = first.call("GET", "/_emulator/partners", None)
        assert status == 200 and partners["totalCount"] == 2, partners
    finally:
        first.stop()
    second = Emulator.start(folder=tmp_path)
    try:
        status, partners = second.call("GET", "/_emulator/partners", None)
        assert status == 200 and partners["totalCount"] == 1, partners
    finally:
        second.stop()


def test_a_binary_that_cannot_start_says_why(tmp_path):
    try:
        Emulator.start(args=["--service-date", "not-a-date"], folder=tmp_path, timeout=10)
    except EmulatorError as error:
        assert "exited with code 2" in str(error) and "service" in str(error).lower(), error
    else:
        raise AssertionError("an emulator with a bad flag started")


def test_pce_bin_that_is_not_a_binary_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PCE_BIN", str(tmp_path / "nothing-here"))
    try:
        Emulator.start(folder=tmp_path)
    except EmulatorError as error:
        assert "PCE_BIN names" in str(error), error
    else:
        raise AssertionError("a missing PCE_BIN started something")
    assert os.environ["PCE_BIN"].endswith("nothing-here")


SERVICE_DATE_TEST = """
def test_the_service_date_is_the_one_given(pce):
    status, date = pce.call("GET", "/_emulator/service-date")
    assert status == 200, date
    assert (date["serviceDate"], date["source"]) == ("2025-03-01", "configuration"), date
"""


def test_flags_on_the_command_line_reach_the_emulator(pytester):
    pytester.makepyfile(test_inner=SERVICE_DATE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--pce-arg=--service-date=2025-03-01")
    result.assert_outcomes(passed=1)


def test_flags_in_the_ini_file_reach_the_emulator(pytester):
    pytester.makeini("[pytest]\npce_args = --service-date=2025-03-01\n")
    pytester.makepyfile(test_inner=SERVICE_DATE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_without_flags_the_service_date_is_todays(pytester):
    pytester.makepyfile(test_inner=SERVICE_DATE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*('20*', 'default') == ('2025-03-01'*"])
