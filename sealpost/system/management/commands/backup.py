"""`sealpost backup DEST`: the database and the document store (with a manifest of hashes) into
a new folder. See sealpost/system/backup.py and docs/reliability.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sealpost.system import backup


class Command(BaseCommand):
    help = "Back up the database and the document store into a new folder, with a manifest of hashes."

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path)
        parser.add_argument("--no-secrets", action="store_true",
                            help="Leave out the data folder's keys (secret-key, id-hash-key, totp-key, pki/).")

    def handle(self, *args, dest, no_secrets=False, **options):
        try:
            manifest = backup.backup(dest, secrets=not no_secrets, log=self.stdout.write)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {dest}: {len(manifest['files'])} files, manifest.json.")
