"""``sealpost screenshots``: it redraws every picture the manual uses, from the real pages, in a
throwaway installation that never touches the one configured."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sealpost.help import manual
from sealpost.system.management.commands import screenshots


def test_the_pictures_are_taken_in_a_throwaway_installation_never_the_configured_one(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://registrar@db.example.edu/sealpost")
    monkeypatch.setenv("SEALPOST_DATA_DIR", "/srv/sealpost")
    monkeypatch.setenv("SEALPOST_SMTP_URL", "smtps://registrar:secret@mail.example.edu:465")
    monkeypatch.setenv("SEALPOST_WES_SFTP_URL", "sftp://registrar@sftp.wes.example.org/incoming")
    monkeypatch.setenv("SEALPOST_SECRET_KEY", "the production key")
    env = screenshots.child_environment(tmp_path, 8765)
    assert "DATABASE_URL" not in env  # SQLite in the throwaway folder
    assert env["SEALPOST_DATA_DIR"] == str(tmp_path)
    for kept_out in ("SEALPOST_SMTP_URL", "SEALPOST_WES_SFTP_URL", "SEALPOST_SECRET_KEY"):
        assert kept_out not in env
    assert env["SEALPOST_BASE_URL"] == "http://127.0.0.1:8765"


@pytest.mark.browser
def test_the_command_redraws_every_picture_the_manual_uses(tmp_path):
    """The whole command, as `sealpost screenshots` runs it (about a minute): if a page changed so
    that a picture can no longer be taken, this fails."""
    call_command("screenshots", out=str(tmp_path))
    for (language, _audience), pages in manual.load().items():
        for page in pages:
            for image in page.images:
                drawn = tmp_path / language / image.path.name
                assert drawn.is_file(), f"{language}/{image.path.name} ({page.slug}) was not drawn"
                assert drawn.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
                assert drawn.stat().st_size < 200 * 1024
