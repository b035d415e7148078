"""What a partner's test suite looks like with the fixtures of conftest.py."""

import json
import urllib.error
import urllib.request

from conftest import request_token

CUSTOMER = {
    "companyProfile": {"domain": "pytestcustomer"},
    "billingProfile": {
        "email": "ap@pytest.example", "culture": "en-US", "language": "en", "companyName": "Pytest Ltd",
        "defaultAddress": {"firstName": "Ana", "lastName": "Lee", "addressLine1": "1 Main St",
                           "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"},
    },
}


def call(method, url, token, body=None):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_an_order_needs_the_customers_acceptance(reset, app_token):
    status, customer = call("POST", f"{reset}/v1/customers", app_token, CUSTOMER)
    assert status == 201
    order = {"referenceCustomerId": customer["id"],
             "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}]}
    status, refused = call("POST", f"{reset}/v1/customers/{customer['id']}/orders", app_token, order)
    assert (status, refused["code"]) == (403, 13605)


def test_the_relationship_request_needs_a_user(reset, app_token, user_token):
    status, error = call("GET", f"{reset}/v1/customers/relationshiprequests", app_token)
    assert (status, error["code"]) == (403, 990420)
    status, invitation = call("GET", f"{reset}/v1/customers/relationshiprequests", user_token)
    assert status == 200 and invitation["url"].startswith(reset)


def test_a_wrong_secret_is_refused_as_microsoft_refuses_it(emulator):
    try:
        request_token(emulator, {"grant_type": "client_credentials",
                                 "client_id": "7e57da7a-0000-4000-8000-00000000a991",
                                 "client_secret": "wrong",
                                 "scope": "https://api.partnercenter.microsoft.com/.default"})
        raise AssertionError("a wrong secret got a token")
    except urllib.error.HTTPError as refused:
        body = json.load(refused)
        assert refused.code == 401 and body["error"] == "invalid_client" and body["error_codes"] == [7000215]
