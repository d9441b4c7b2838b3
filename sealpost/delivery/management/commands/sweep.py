from django.core.management.base import BaseCommand

from sealpost.delivery.services import sweep


class Command(BaseCommand):
    help = "Enqueue again deliveries left by a dead worker, and failed ones that are due."

    def handle(self, *args, **options):
        self.stdout.write(f"{sweep()} deliveries enqueued")
