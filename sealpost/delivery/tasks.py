"""Background tasks (django-tasks). Arguments are plain ids: they survive the JSON round trip."""

from django_tasks import task


@task()
def send_delivery_task(delivery_id: int) -> str:
    from sealpost.delivery.services import send_delivery

    return send_delivery(delivery_id)


@task()
def sweep_task() -> int:
    from sealpost.delivery.services import sweep

    return sweep()


@task()
def upload_wes(submission_id: int) -> str:
    from sealpost.delivery.wes_submissions import upload_submission

    return upload_submission(submission_id)


@task()
def upload_wes_batch(submission_ids: list[int]) -> dict:
    from sealpost.delivery.wes_submissions import upload_batch

    return {str(k): v for k, v in upload_batch(submission_ids).items()}
