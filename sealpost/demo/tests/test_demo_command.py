import io
import re

from django.core.management import call_command

from sealpost.documents import verification


def test_demo_prints_sign_ins_and_a_document_that_verifies(db):
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out)
    text = out.getvalue()
    assert "alumnus@demo.sealpost.test" in text and "clerk@demo.sealpost.test" in text
    code = re.search(r"/verify/([0-9A-Z-]{19})/", text).group(1)
    assert verification.check_code(code).status == "valid"
    # Starting again issues nothing new and prints the same document.
    again = io.StringIO()
    call_command("demo", no_serve=True, stdout=again)
    assert code in again.getvalue()
