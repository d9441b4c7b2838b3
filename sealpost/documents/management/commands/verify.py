"""``sealpost verify FILE.pdf --trust CERT.pem``: check a signed document offline.

Needs nothing but the file and the institution's certificate (the root of its seal
certificate's chain, as published by the registrar; on an installation,
``sealpost verify FILE.pdf`` without --trust uses its own trust roots). No database, no
network: the signature, the integrity of the file and the signature timestamp are checked
with pyHanko against the certificate given, and nothing else is trusted.

It prints one of

    VALID        the file is exactly what the holder of the certificate signed
    TAMPERED     the file was changed after signing, content was added to it, or it was signed
                 by someone else (the reason follows)
    NOT SIGNED   the file carries no signature (or is not a PDF)

then the signer, the time of signing and the verification code. Exit status: 0 VALID,
1 TAMPERED, 2 NOT SIGNED, 3 the file or the certificate cannot be read.

Revocation is not known offline: a VALID file may have been revoked since. The last line says
where to check that (the verification page for the code printed on the document).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

EXIT_VALID, EXIT_TAMPERED, EXIT_NOT_SIGNED, EXIT_UNREADABLE = 0, 1, 2, 3


class Command(BaseCommand):
    help = "Verify a signed PDF document offline against the institution's certificate."
    requires_system_checks = []  # nothing of the installation is needed
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.pdf", help="The document to check.")
        parser.add_argument(
            "--trust", metavar="CERT.pem", action="append", default=[],
            help="The institution's certificate (PEM or DER); may be given more than once. "
                 "Without it, the trust roots this installation is configured with.",
        )

    def handle(self, *args, file, trust, **options):
        from asn1crypto import pem, x509

        from sealpost.documents import rendering, validation

        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}", returncode=EXIT_UNREADABLE)
        roots = []
        for path in trust:
            try:
                raw = Path(path).read_bytes()
                if pem.detect(raw):
                    roots += [x509.Certificate.load(der) for kind, _, der in pem.unarmor(raw, multiple=True) if kind == "CERTIFICATE"]
                else:
                    roots.append(x509.Certificate.load(raw))
                    roots[-1].native  # parse now: a file that is not a certificate fails here
            except (OSError, ValueError, TypeError) as error:
                raise CommandError(f"Cannot read the certificate {path}: {error}", returncode=EXIT_UNREADABLE)
        if trust and not roots:
            raise CommandError(f"No certificate found in {', '.join(trust)}.", returncode=EXIT_UNREADABLE)

        check = validation.validate(data, trust_roots=roots or None)
        code = rendering.embedded_code(data)

        # The seal decides; a timestamp that cannot be checked with the certificates given (a
        # third-party authority's) is reported below but does not make the file invalid.
        if check.signed and check.intact and check.trusted and check.whole_file:
            verdict, status = "VALID", EXIT_VALID
        elif check.signed:
            verdict, status = "TAMPERED", EXIT_TAMPERED
        else:
            verdict, status = "NOT SIGNED", EXIT_NOT_SIGNED

        out = self.stdout if status == EXIT_VALID else self.stderr
        line = verdict if status == EXIT_VALID else f"{verdict}: {_reason(check)}"
        out.write(line)
        if check.signed:
            self.stdout.write(f"Signed by: {check.signer or 'unknown'}")
            when = check.signed_at.isoformat(timespec="seconds") if check.signed_at else "no trusted timestamp"
            self.stdout.write(f"Signed at: {when}")
            if check.level:
                self.stdout.write(f"Level: PAdES {check.level}")
            if status == EXIT_VALID and check.problem:
                self.stdout.write(f"Note: {check.problem}")
        if code:
            self.stdout.write(f"Verification code: {code}")
        if status == EXIT_VALID:
            where = f"{settings.BASE_URL}/verify/{code}/" if code else f"{settings.BASE_URL}/verify/"
            self.stdout.write(f"Revocation cannot be checked offline: see {where}")
        if status != EXIT_VALID:
            raise SystemExit(status)


def _reason(check) -> str:
    if not check.signed:
        return check.problem or "the file carries no signature"
    if not check.intact:
        return "the content was changed after signing. " + check.problem
    if not check.trusted:
        return "it is not signed with the certificate you trust (signed again by someone else?). " + check.problem
    if not check.whole_file:
        return "content was added after signing (for example a page). " + check.problem
    return check.problem
