"""WES over SFTP against a real SFTP server (asyncssh) on 127.0.0.1."""

import hashlib
import json
from decimal import Decimal

import asyncssh
import pytest

from sealpost.delivery import wes
from sealpost.issuance import services as document_services
from sealpost.orders import services as order_services
from sealpost.orders.models import Status
from sealpost.testing.sftp import FaultySFTPServer


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def client_key(tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / "id_ed25519"
    key.write_private_key(str(path))
    return key, path


@pytest.fixture
def server(tmp_path, client_key):
    root = tmp_path / "remote"
    (root / "inbox").mkdir(parents=True)
    sftp = FaultySFTPServer(root, authorized_key=client_key[0].export_public_key())
    sftp.start()
    yield sftp
    wes.close_idle(now=float("inf"))  # a connection a worker kept open to this server: closed first
    sftp.stop()


@pytest.fixture
def inbox(server):
    return server.root / "inbox"


@pytest.fixture
def known_hosts(tmp_path, server):
    path = tmp_path / "known_hosts"
    path.write_text(server.host_key_line() + "\n")
    return path


@pytest.fixture
def config(server, client_key, known_hosts):
    return wes.Config.from_url(f"sftp://wes@127.0.0.1:{server.port}/inbox", key_file=str(client_key[1]),
                               known_hosts=str(known_hosts), timeout=5)


@pytest.fixture
def order(applicant):
    student = applicant.student
    from sealpost.records.models import Course

    semester = student.semesters.create(academic_year=108, term=1, rank=3, class_size=52)
    for n in range(3):
        course, _ = Course.objects.get_or_create(code=f"CS{n}", defaults={"title_zh": f"程式設計{n}", "title_en": f"Programming {n}"})
        semester.grades.create(course=course, credits=Decimal("3"), score=80 + n, passed=True)
    draft = order_services.Draft(
        applicant_type="alumnus", documents=[("transcript", "en"), ("degree_certificate", "en")],
        name_en="CHEN, TA-WEI", name_zh="陳大偉", phone="0912345678", email=applicant.email,
        recipients=[("wes@example.org", "WES Reference No. 1234567")],
    )
    order = order_services.place_order(student=student, draft=draft, applicant=applicant)
    assert order.wes_reference == "1234567"
    order.status = Status.PAID
    order.save()
    document_services.issue_order(order)
    return order


def remote_files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_file_names_follow_the_template(order):
    transcript = order.issued_documents.get(document_type="transcript")
    n = order.number
    assert wes.file_name(order, transcript) == f"1234567_CHEN_TA-WEI_{n}_transcript_en.pdf"
    assert wes.file_name(order, transcript, version=2) == f"1234567_CHEN_TA-WEI_{n}_transcript_en_v2.pdf"
    order.name_en = "O'Brien/../x, Zoë Ann"
    name = wes.file_name(order, transcript)
    assert "/" not in name and "\\" not in name
    assert name == f"1234567_O-Brien-x_Zoe-Ann_{n}_transcript_en.pdf"
    assert wes.split_name("TA-WEI CHEN") == ("CHEN", "TA-WEI")
    # A template without the order number gets it before the extension: names never collide
    # between two orders for the same WES reference.
    assert wes.file_name(order, transcript, template="{document}/{language}/../{family_name}.pdf") == \
        f"transcript-en-..-O-Brien-x_{n}.pdf"


def test_config_from_settings(settings, monkeypatch):
    settings.WES_SFTP_URL = "sftp://sealpost@sftp.wes.example:2222/incoming/ntu"
    monkeypatch.setenv("SEALPOST_WES_SFTP_KEY", "/keys/wes")
    monkeypatch.setenv("SEALPOST_WES_KNOWN_HOSTS", "/keys/known_hosts")
    config = wes.Config.from_settings()
    assert (config.host, config.port, config.username, config.folder) == ("sftp.wes.example", 2222, "sealpost", "/incoming/ntu")
    assert (config.key_file, config.known_hosts, config.file_template) == ("/keys/wes", "/keys/known_hosts", wes.DEFAULT_FILE_TEMPLATE)
    settings.WES_SFTP_URL = "sftp://sealpost:secret@sftp.wes.example/x"
    with pytest.raises(wes.WESNotConfigured):
        wes.Config.from_settings()
    monkeypatch.delenv("SEALPOST_WES_SFTP_KEY")
    with pytest.raises(wes.WESNotConfigured, match="SEALPOST_WES_SFTP_KEY"):
        wes.Config.from_settings()


def test_upload_order_writes_files_and_manifest_through_one_connection(order, config, server, inbox):
    with wes.Uploader(config) as uploader:
        names = uploader.upload_order(order)
    assert server.connections == 1
    assert names == [
        f"1234567_CHEN_TA-WEI_{order.number}_degree-certificate_en.pdf",
        f"1234567_CHEN_TA-WEI_{order.number}_transcript_en.pdf",
        f"1234567_{order.number}_manifest.json",
    ]
    assert remote_files(inbox) == sorted(names)  # no .part left behind
    body = json.loads((inbox / names[-1]).read_bytes())
    assert body["order_number"] == order.number and body["wes_reference"] == "1234567"
    assert body["applicant_name_en"] == "CHEN, TA-WEI" and body["institution"]
    assert [f["name"] for f in body["files"]] == names[:2]
    for entry in body["files"]:
        data = (inbox / entry["name"]).read_bytes()
        assert data.startswith(b"%PDF-")
        assert entry["sha256"] == sha(data) and entry["size"] == len(data)
        document = order.issued_documents.get(document_type=entry["document_type"], language=entry["language"])
        assert entry["verification_code"] == document.verification_code
        assert entry["sha256"] == document.current_file.sha256
    # Public key only: a password was never tried.
    assert server.password_attempts == [] and set(server.auth_methods) == {"publickey"}

    # Uploading again writes nothing: every final file is skipped as whole.
    mtimes = {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()}
    with wes.Uploader(config) as uploader:
        assert uploader.upload_order(order) == names
        assert uploader.written == [] and uploader.skipped == names
    assert {p.name: p.stat().st_mtime_ns for p in inbox.iterdir()} == mtimes


def test_dropped_connection_leaves_no_final_file_and_the_retry_completes(order, config, server, inbox):
    server.fail_after_bytes = 20_000
    with pytest.raises(wes.WESUnavailable):
        wes.upload_order(order, config=config)
    first = f"1234567_CHEN_TA-WEI_{order.number}_degree-certificate_en.pdf"
    assert remote_files(inbox) == [first + ".part"]
    assert (inbox / (first + ".part")).stat().st_size == 20_000

    server.bytes_written = 0
    names = wes.upload_order(order, config=config)
    assert remote_files(inbox) == sorted(names)
    # The retry resumed: only the rest of the first file went over the wire.
    expected = {wes.file_name(order, d): d.current_file.read() for d in order.issued_documents.all()}
    total = sum(len(v) for v in expected.values()) + (inbox / names[-1]).stat().st_size
    assert server.bytes_written == total - 20_000
    for name, data in expected.items():
        assert sha((inbox / name).read_bytes()) == sha(data)


def test_a_part_file_that_is_not_a_prefix_is_replaced(config, server, inbox):
    (inbox / "a.pdf.part").write_bytes(b"garbage")
    with wes.Uploader(config) as uploader:
        assert uploader.upload("a.pdf", b"%PDF-real content") is True
    assert remote_files(inbox) == ["a.pdf"]
    assert (inbox / "a.pdf").read_bytes() == b"%PDF-real content"


def test_a_different_file_under_a_final_name_is_never_overwritten(config, inbox):
    (inbox / "a.pdf").write_bytes(b"%PDF-other")
    with wes.Uploader(config) as uploader, pytest.raises(wes.RemoteConflict):
        uploader.upload("a.pdf", b"%PDF-mine!")
    assert (inbox / "a.pdf").read_bytes() == b"%PDF-other"


def test_unknown_host_key_is_refused_and_nothing_is_written(order, config, known_hosts, server, inbox):
    known_hosts.write_text("")
    with pytest.raises(wes.HostKeyRefused, match="not in the known_hosts"):
        wes.upload_order(order, config=config)
    assert remote_files(inbox) == [] and server.auth_methods == []


def test_changed_host_key_is_refused(order, config, server, inbox):
    server.rotate_host_key()
    with pytest.raises(wes.HostKeyRefused, match="different from the pinned"):
        wes.upload_order(order, config=config)
    assert remote_files(inbox) == [] and server.auth_methods == []


def test_known_hosts_with_another_key_for_the_host_is_refused(config, known_hosts, server, inbox):
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode().split()
    known_hosts.write_text(f"[127.0.0.1]:{server.port} {other[0]} {other[1]}\n")
    with pytest.raises(wes.HostKeyRefused):
        with wes.Uploader(config) as uploader:
            uploader.upload("a.pdf", b"x")
    assert remote_files(inbox) == []


def test_an_unauthorised_key_is_refused_without_trying_a_password(config, server, tmp_path):
    stranger = tmp_path / "stranger"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(stranger))
    with pytest.raises(wes.WESUnavailable, match="refused our key"):
        wes.Uploader(wes.Config(**{**config.__dict__, "key_file": str(stranger)})).connect()
    assert server.password_attempts == []


def test_server_down_is_unavailable(config, server):
    server.stop()
    with pytest.raises(wes.WESUnavailable):
        wes.Uploader(config).connect()


def test_version_2_reupload_writes_v2_names_and_a_new_manifest(order, config, inbox):
    first = wes.upload_order(order, config=config)
    second = wes.upload_order(order, version=2, config=config)
    assert second == [
        f"1234567_CHEN_TA-WEI_{order.number}_degree-certificate_en_v2.pdf",
        f"1234567_CHEN_TA-WEI_{order.number}_transcript_en_v2.pdf",
        f"1234567_{order.number}_manifest_v2.json",
    ]
    assert remote_files(inbox) == sorted(first + second)
    body = json.loads((inbox / second[-1]).read_bytes())
    assert body["version"] == 2 and [f["name"] for f in body["files"]] == second[:2]
    assert (inbox / first[-1]).read_bytes() != (inbox / second[-1]).read_bytes()


def test_upload_order_reads_the_settings(order, settings, server, client_key, known_hosts, inbox):
    settings.WES_SFTP_URL = f"sftp://wes@127.0.0.1:{server.port}/inbox"
    settings.WES_SFTP_KEY = str(client_key[1])
    settings.WES_KNOWN_HOSTS = str(known_hosts)
    settings.WES_FILE_TEMPLATE = "{order_number}-{document}-{language}.pdf"
    names = wes.upload_order(order)
    assert names[0] == f"{order.number}-degree-certificate-en.pdf"
    assert remote_files(inbox) == sorted(names)
