"""``sealpost issue ORDER_NUMBER [ORDER_NUMBER ...]``: render, sign and store the documents of
paid orders (issuance.services.issue_order), and print each document's verification code::

    $ sealpost issue SP7K2M9QXD
    SP7K2M9QXD: 2 documents
      transcript  en  7Q3M-X2KD-9PHT-RW4C
      transcript  zh  K8VN-1Z6E-TQ0B-M5JA

Issuing again prints the documents already issued and makes none twice. An order that is not
paid, or whose student has a hold, is reported and the command exits with status 1 after
trying the others.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from sealpost.issuance import services
from sealpost.orders.models import Order


class Command(BaseCommand):
    help = "Issue (render, sign and store) the documents of paid orders and print their verification codes."

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="+", metavar="ORDER_NUMBER", help="The order numbers, e.g. SP7K2M9QXD.")

    def handle(self, *args, numbers, **options):
        with translation.override("en"):  # like the command's own lines (and the other commands)
            self._issue(numbers)

    def _issue(self, numbers):
        failed = []
        progress = tqdm(numbers, unit="order", file=sys.stderr, disable=len(numbers) < 2 or not sys.stderr.isatty())
        for number in progress:
            number = number.strip().upper()
            order = Order.objects.filter(number=number).first()
            if order is None:
                self.stderr.write(f"{number}: no order has this number.")
                failed.append(number)
                continue
            try:
                documents = services.issue_order(order, actor=None)
            except services.IssueError as error:
                self.stderr.write(f"{number}: {error}")
                failed.append(number)
                continue
            self.stdout.write(f"{number}: {len(documents)} document{'s' if len(documents) != 1 else ''}")
            for document in documents:
                state = f"  REVOKED {document.revoked_at:%Y-%m-%d}" if document.is_revoked else ""
                self.stdout.write(f"  {document.document_type}  {document.language}  {document.verification_code}{state}")
        if failed:
            raise CommandError(f"Not issued: {', '.join(failed)}.")
