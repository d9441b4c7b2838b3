"""What a fault run checks at the end: every order completed, every e-mail received exactly
once (or a duplicate matched with a "delivery_uncertain" event), every WES file whole and
written once under a temporary name, no .part file left, every stored document whole."""

from __future__ import annotations

import hashlib
from collections import Counter


class Checks:
    """The end of a run (a mixin of run.Run: it uses its plan, figures and expected files)."""

    def _expected_wes(self, order):
        from sealpost.delivery import wes

        documents = wes.documents_of(order)
        payloads = wes._payloads(order, documents, 1)
        for name, _document, data in payloads:
            self.expected_files[name] = hashlib.sha256(data).hexdigest()
        self.expected_files[wes.manifest_name(order, 1)] = hashlib.sha256(
            wes.manifest(order, documents, 1, payloads=payloads)).hexdigest()

    def _held(self):
        """Deliveries held for staff as uncertain (policy "hold"): an end state of the run."""
        from django.db.models import Q

        from sealpost.delivery.models import Delivery

        if self.plan.policy != "hold":
            return Q(pk__in=[])
        return Q(state=Delivery.State.FAILED, next_attempt_at__isnull=True, handed_over_at__isnull=False)

    def _done(self) -> bool:
        from sealpost.delivery.models import Delivery, WESSubmission

        from sealpost.orders.models import Order, Status

        if Order.objects.filter(status=Status.PAID).exists():
            return False
        return (not Delivery.objects.exclude(state=Delivery.State.SENT).exclude(self._held()).exists()
                and not WESSubmission.objects.exclude(state=WESSubmission.State.UPLOADED).exists())

    def _check(self, orders, mailbox, sftp, disk):
        from sealpost.delivery.models import Delivery, WESSubmission
        from sealpost.orders.models import Order, OrderEvent, Status

        f = self.figures
        completed = 0
        for order in orders:
            order = Order.objects.get(pk=order.pk)
            sent = all(d.state == Delivery.State.SENT for d in Delivery.objects.filter(order=order))
            count_ok = Delivery.objects.filter(order=order).count() == order.recipients.count()
            wes_ok = not order.wes_reference or WESSubmission.objects.filter(
                order=order, state=WESSubmission.State.UPLOADED).exists()
            held = Delivery.objects.filter(self._held(), order=order).exists()
            f.orders_held += held
            completed += sent and count_ok and wes_ok and order.status == Status.DELIVERED
        f.orders_completed = completed
        if completed + f.orders_held != len(orders):
            f.problems.append(f"{len(orders) - completed} order(s) not completed")

        from django.db.models import Sum

        f.email_attempts = Delivery.objects.aggregate(n=Sum("attempts"))["n"] or 0
        f.wes_attempts = WESSubmission.objects.aggregate(n=Sum("attempts"))["n"] or 0
        f.wes_submissions = WESSubmission.objects.count()
        received = mailbox.snapshot()
        by_recipient = Counter(r for rcpts, _ in received for r in rcpts)
        everyone = dict(Delivery.objects.values_list("recipient__email", "message_id"))
        expected = dict(Delivery.objects.exclude(self._held()).values_list("recipient__email", "message_id"))
        f.emails_expected = len(expected)
        f.emails_received = len(received)
        uncertain_ids = {e.details.get("message_id") for e in OrderEvent.objects.filter(kind="delivery_uncertain")}
        f.uncertain = OrderEvent.objects.filter(kind="delivery_uncertain").count()
        ids_by_recipient = {}
        for rcpts, message_id in received:
            for r in rcpts:
                ids_by_recipient.setdefault(r, []).append(message_id)
        for recipient, n in by_recipient.items():
            if n > 1:
                f.duplicates += n - 1
                if everyone.get(recipient) not in uncertain_ids:
                    f.duplicates_unexplained += n - 1
            if recipient not in everyone:
                f.problems.append(f"an e-mail to {recipient}, who is no recipient")
        for recipient, message_id in expected.items():
            if message_id not in ids_by_recipient.get(recipient, []):
                f.lost.append(recipient)
        if f.duplicates_unexplained:
            f.problems.append(f"{f.duplicates_unexplained} duplicate e-mail(s) outside the uncertain window")
        if f.lost:
            r = f.lost[0]
            f.problems.append(f"{len(f.lost)} e-mail(s) recorded sent but not received "
                              f"(e.g. {r} {expected[r]!r}, got {ids_by_recipient.get(r)!r})")

        if self.plan.issue:  # every stored document whole: read back and checked by its SHA-256
            from sealpost.system.backup import verify_store

            for problem in verify_store():
                f.problems.append(f"document store: {problem}")
        for order in orders:
            order = Order.objects.get(pk=order.pk)
            if order.wes_reference and order.issued_documents.exists():
                self._expected_wes(order)
        inbox = disk.path / "inbox"
        renamed_to = Counter(new.rsplit("/", 1)[-1] for _, new in sftp.renames)
        f.wes_written_twice = sorted(n for n, c in renamed_to.items() if c > 1)
        f.wes_direct_writes = list(sftp.opened_final) + [
            new for old, new in sftp.renames if not old.endswith(".part")]  # renamed from anything but a .part
        f.wes_part_files = sorted(p.name for p in inbox.glob("*.part"))
        finals = {p.name: p for p in inbox.iterdir() if not p.name.endswith(".part")}
        f.wes_files = len(finals)
        for name, sha256 in self.expected_files.items():
            path = finals.get(name)
            if path is None or hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
                f.wes_bad_files.append(name)
        for name in finals:
            if name not in self.expected_files:
                f.wes_bad_files.append(name)
        for what, found in (("WES file(s) written twice", f.wes_written_twice),
                            ("WES file(s) written under the final name", f.wes_direct_writes),
                            ("WES final file(s) missing or not whole", f.wes_bad_files),
                            (".part file(s) left on the SFTP server", f.wes_part_files)):
            if found:
                f.problems.append(f"{len(found)} {what}: {', '.join(found[:5])}")
        for submission in WESSubmission.objects.all():
            listed = set(submission.files)
            if submission.state == WESSubmission.State.UPLOADED and not listed <= set(finals):
                f.problems.append(f"submission {submission.pk} lists files not on the server")
