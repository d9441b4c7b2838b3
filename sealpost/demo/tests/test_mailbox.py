"""The local mailbox (the e-mail backend of the embedded default), its demo pages, and the WES
stand-in that `sealpost demo` starts."""

import os

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail

from sealpost.delivery import mailbox


@pytest.fixture
def box(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.EMAIL_FILE_PATH = tmp_path / "mailbox"
    settings.EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
    return tmp_path / "mailbox"


def test_each_message_is_one_eml_file_read_back(box):
    message = EmailMultiAlternatives("成績單 Transcript", "Download: http://testserver/d/abc/\n",
                                     "registrar@example.edu", ["a@example.com"], headers={"Message-ID": "<1@x>"})
    message.attach_alternative("<p>html</p>", "text/html")
    assert message.send() == 1
    send_mail("Second", "Body two", None, ["b@example.com"])
    files = sorted(p.name for p in box.iterdir())
    assert len(files) == 2 and all(name.endswith(".eml") for name in files)
    mails = mailbox.list_messages()
    assert [m.subject for m in mails] == ["Second", "成績單 Transcript"]  # newest first
    first = mailbox.read_message(mails[1].name)
    assert first.to == ["a@example.com"] and first.sender == "registrar@example.edu"
    assert first.text.startswith("Download: http://testserver/d/abc/") and first.html == "<p>html</p>"
    assert first.message_id == "<1@x>" and first.date is not None
    assert mailbox.read_message("../secret.eml") is None and mailbox.read_message("nope") is None


def test_the_mailbox_pages_only_in_a_demo(client, box, settings):
    send_mail("Hello <b>", "Open http://testserver/d/tok/ <script>alert(1)</script>", None, ["c@example.com"])
    name = mailbox.list_messages()[0].name
    (settings.DATA_DIR / "wes-sftp" / "inbox").mkdir(parents=True)
    (settings.DATA_DIR / "wes-sftp" / "inbox" / "CHEN_TA-WEI_1234567.pdf").write_bytes(b"%PDF-1.7")

    settings.DEMO = False
    for path in ("/mailbox/", f"/mailbox/{name}/", "/mailbox/wes/"):
        assert client.get(path).status_code == 404

    settings.DEMO = True
    listing = client.get("/mailbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "c@example.com" in listing and "Hello &lt;b&gt;" in listing and f"/mailbox/{name}/" in listing
    page = client.get(f"/mailbox/{name}/").content.decode()
    assert '<a href="http://testserver/d/tok/"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert client.get("/mailbox/20990101T000000000000Z-0000000000000000.eml/").status_code == 404
    wes = client.get("/mailbox/wes/").content.decode()
    assert "inbox/CHEN_TA-WEI_1234567.pdf" in wes


def test_the_wes_stand_in_accepts_an_upload(settings, tmp_path, monkeypatch):
    from sealpost.delivery import wes
    from sealpost.demo.management.commands.demo import start_wes_stand_in

    settings.DATA_DIR = tmp_path
    for name in ("SEALPOST_WES_SFTP_URL", "SEALPOST_WES_SFTP_KEY", "SEALPOST_WES_KNOWN_HOSTS"):
        monkeypatch.setenv(name, "")  # remembered, so that the values set below are undone
        monkeypatch.delenv(name)
    server = start_wes_stand_in(0)
    try:
        assert os.environ["SEALPOST_WES_SFTP_URL"].endswith(f":{server.port}/inbox")
        with wes.Uploader() as uploader:
            uploader.upload("sample.pdf", b"%PDF-1.7 sample")
        assert (tmp_path / "wes-sftp" / "inbox" / "sample.pdf").read_bytes() == b"%PDF-1.7 sample"
        # Configured by the person: the stand-in stays off.
        assert start_wes_stand_in(0) is None
    finally:
        server.stop()


def test_times_are_shown_in_the_site_time_zone(settings, tmp_path):
    import datetime

    from django.core.mail import EmailMessage
    from django.utils import timezone

    from sealpost.delivery import mailbox

    settings.EMAIL_FILE_PATH = tmp_path / "mailbox"
    settings.EMAIL_BACKEND = "sealpost.delivery.mailbox.MailboxBackend"
    EmailMessage("Hello", "Body", "registrar@example.edu", ["a@example.com"]).send()
    [mail] = mailbox.list_messages()
    assert mail.date.tzinfo is not None
    assert abs(timezone.localtime(mail.date) - timezone.now()) < datetime.timedelta(minutes=1)
