"""The issuance task (django-tasks). Its argument is a plain id: it survives the JSON round trip.
The rules live in issuance.services; the task only calls them.

Payments start it by name (sealpost.tasks: payments.approval.enqueue_issue_on_commit), so
this dotted path is a name kept in the task queue's table: renaming it orphans the tasks queued
under the old one (docs/operations.md, upgrading to this version)."""

from django_tasks import task


@task()
def issue_order_task(order_id: int) -> str:
    """Issue a paid order in the worker, once (issuance.services.issue_paid), which then
    schedules its e-mails and WES upload. Answers what happened: "issued", "blocked", or why
    nothing was done ("not paid", "awaiting approval", "missing")."""
    from sealpost.issuance.services import issue_paid

    return issue_paid(order_id)
