"""``python -m sealpost.testing.faults``: the fault suite from the command line (see the package's
docstring and docs/reliability.md)."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

import sealpost.testing.faults as suite


def main(argv=None) -> int:
    """Standalone: a database and data folder of its own (SQLite in a temporary folder) unless
    --database-url is given; prints the figures; exit status 1 when a check failed."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sealpost.testing.faults", description=suite.__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--policy", choices=["resend", "hold"], default="resend")
    parser.add_argument("--database-url", default=None,
                        help="a database to use and OVERWRITE (a test database); default: SQLite in a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (worker log, files)")
    parser.add_argument("--issue", action="store_true",
                        help="start from paid orders: the worker issues (renders, signs, stores) them too")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 1_000_000)
    workdir = Path(tempfile.mkdtemp(prefix="sealpost-faults-"))
    data_dir = workdir / "data"
    database_url = args.database_url or f"sqlite:///{workdir / 'faults.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SEALPOST_DATA_DIR"] = str(data_dir)
    os.environ.pop("SEALPOST_SMTP_URL", None)  # this process's own mail (order notices) stays local
    os.environ["DJANGO_SETTINGS_MODULE"] = "sealpost.settings"
    import logging

    import django

    django.setup()
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    from django.core.management import call_command

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    from sealpost.testing.faults.plan import Plan
    from sealpost.testing.faults.run import Run

    plan = Plan(orders=args.orders, kills=args.kills, seed=seed, policy=args.policy, issue=args.issue)
    print(f"fault run: seed {seed}, folder {workdir}")
    try:
        figures = Run(plan, workdir, database_url, data_dir).run()
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    for line in figures.lines():
        print(line)
    return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
