"""The ``sealpost`` console command: Django's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sealpost.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "sealpost"
    # `sealpost import-records` and `sealpost demo-data` name the commands import_records
    # and demo_data.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
