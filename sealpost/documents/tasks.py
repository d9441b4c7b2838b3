"""Background tasks of the documents app (django-tasks). Arguments are plain ids: they survive
the JSON round trip. The rules live in the services; a task only calls them."""

from django_tasks import task


@task()
def issue_order_task(order_id: int) -> str:
    """Issue a paid order in the worker, once (payments.services.issue_paid), which then
    schedules its e-mails and WES upload. Answers what happened: "issued", "blocked", or why
    nothing was done ("not paid", "awaiting approval", "missing")."""
    from sealpost.payments.services import issue_paid

    return issue_paid(order_id)
