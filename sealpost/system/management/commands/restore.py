"""`sealpost restore SRC --yes`: put a backup back (the database is overwritten). Every hash in
the manifest is checked first; afterwards every document file is read back and checked.
Stop the web server and the workers first. See docs/reliability.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sealpost.system import backup


class Command(BaseCommand):
    help = "Restore the database and the document store from a backup folder (overwrites the database)."

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path)
        parser.add_argument("--yes", action="store_true", help="Really overwrite this installation's database.")
        parser.add_argument("--check", action="store_true", help="Only check the backup's hashes; change nothing.")
        parser.add_argument("--no-secrets", action="store_true", help="Leave the data folder's keys as they are.")

    def handle(self, *args, src, yes=False, check=False, no_secrets=False, **options):
        try:
            if check:
                manifest = backup.check(src)
                self.stdout.write(f"{src}: {len(manifest['files'])} files, all match the manifest.")
                return
            if not yes:
                raise CommandError("This overwrites the database with the backup's: add --yes to go on.")
            done = backup.restore(src, secrets=not no_secrets, log=self.stdout.write)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        problems = backup.verify_store()
        if problems:
            raise CommandError("Restored, but document files fail their hash: " + "; ".join(problems[:10]))
        self.stdout.write(f"Restored {done['orders']} orders and {done['documents']} documents; every document "
                          f"file matches its SHA-256.")
