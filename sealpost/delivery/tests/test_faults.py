"""The fault suite, short version (sealpost.testing.faults; the full run is `sealpost faults`):
a dozen orders through a real SMTP server, the SFTP stand-in and worker subprocesses while the
worker is SIGKILLed four times, the SMTP server is stopped, SFTP connections are dropped (also
in the middle of an upload) and refused, and the SFTP server's disk is full (a tmpfs of its own
when the tests run as root). Everything must complete, nothing be sent or written twice, and no
partial file be visible. About 30 s."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from sealpost.delivery.tests.test_worker_killed import shared_db  # noqa: F401 - fixture
from sealpost.testing.faults.plan import Plan
from sealpost.testing.faults.run import Run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_short_fault_run_completes_everything_once(shared_db, tmp_path, settings):  # noqa: F811
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    data_dir = Path(django_settings.STORAGES["documents"]["OPTIONS"]["location"]).parent
    plan = Plan(orders=12, kills=4, seed=int(os.environ.get("SEALPOST_FAULT_SEED", 4)), wes_share=0.4,
                release_every=0.25, smtp_outage=(1.5, 2.5), sftp_refusing=(2.5, 2.0), disk_full=(4.0, 2.0),
                drops_mid_upload=2, drops_now=1, settle=4.0, timeout=150)
    lines = []
    figures = Run(plan, tmp_path, shared_db, data_dir, log=lines.append).run()
    print("\n".join(lines + figures.lines()))
    assert figures.ok, figures.lines()
    assert figures.faults["worker SIGKILL"] == 4
    assert figures.orders_completed == 12
    assert figures.duplicates_unexplained == 0 and not figures.lost
    assert not (figures.wes_written_twice or figures.wes_direct_writes or figures.wes_bad_files or figures.wes_part_files)
