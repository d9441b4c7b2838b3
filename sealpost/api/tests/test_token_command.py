import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sealpost.accounts.models import ApiToken

from .conftest import ORDERS, order_payload


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_only_the_token_and_it_works_as_a_bearer_token(api, applicant):
    out, err = run("TA-WEI.CHEN@example.com")
    token = out.strip()
    assert out == token + "\n"
    assert token.startswith("sp_") and " " not in token
    assert applicant.email in err
    record = ApiToken.objects.get(user=applicant)
    assert record.digest == ApiToken.digest_of(token)
    assert record.expires_at is None

    response = api.post(ORDERS, order_payload(), token=token)
    assert response.status_code == 201
    assert api.get(f"{ORDERS}/{response.json()['number']}", token=token).status_code == 200


def test_label_and_days(clerk):
    before = timezone.now()
    out, err = run(clerk.email, "--label", "queue sync", "--days", "30")
    record = ApiToken.objects.get(digest=ApiToken.digest_of(out.strip()))
    assert record.user == clerk
    assert record.label == "queue sync"
    assert before + datetime.timedelta(days=30) <= record.expires_at <= timezone.now() + datetime.timedelta(days=30)
    assert "until" in err


def test_each_run_issues_a_new_token(applicant):
    assert run(applicant.email)[0] != run(applicant.email)[0]
    assert ApiToken.objects.filter(user=applicant).count() == 2


@pytest.mark.parametrize("args", [["nobody@example.com"], ["clerk@registrar.example.edu", "--days", "0"]])
def test_refuses_unknown_users_and_bad_days(clerk, args):
    with pytest.raises(CommandError):
        run(*args)
    assert not ApiToken.objects.exists()


def test_refuses_disabled_accounts(applicant):
    applicant.is_active = False
    applicant.save()
    with pytest.raises(CommandError):
        run(applicant.email)
