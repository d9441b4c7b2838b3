"""`sealpost resend ORDER_NUMBER [...]`: send the documents of issued orders again to every
recipient (or to some, with --recipient), free of charge, each with a new link. For the day a
mail relay lost a batch. Progress on standard error."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sealpost.delivery import services
from sealpost.delivery.models import Delivery
from sealpost.orders.models import Order


class Command(BaseCommand):
    help = "Send issued orders' documents again to their recipients, with new links."

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="+", metavar="ORDER_NUMBER")
        parser.add_argument("--recipient", type=int, action="append", metavar="N",
                            help="Only recipient N (1-10); repeat for several. Default: all.")

    def handle(self, *args, numbers, recipient=None, **options):
        orders = {o.number: o for o in Order.objects.filter(number__in=[n.strip().upper() for n in numbers])}
        missing = sorted({n.strip().upper() for n in numbers} - set(orders))
        if missing:
            raise CommandError(f"No order has the number: {', '.join(missing)}.")
        latest = {}
        for delivery in Delivery.objects.filter(order__in=orders.values()).select_related("order", "recipient").order_by("pk"):
            latest[(delivery.order_id, delivery.recipient_id)] = delivery  # the newest per recipient
        chosen = [d for d in latest.values() if not recipient or d.recipient.position in recipient]
        if not chosen:
            raise CommandError("Nothing to resend: these orders have not been delivered yet.")
        for delivery in tqdm(chosen, unit="e-mail", file=sys.stderr, disable=not sys.stderr.isatty()):
            services.resend(delivery, None)
        self.stdout.write(f"{len(chosen)} e-mail(s) queued again for {len(orders)} order(s).")
