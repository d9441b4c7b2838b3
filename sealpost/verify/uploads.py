"""Reading an uploaded file with bounded work, for the verification page and the API.

A file larger than settings.VERIFY_MAX_UPLOAD is refused before anything is parsed or kept:
by the request's declared length when that is over the limit plus the form's envelope, and
otherwise while the form is parsed, by an upload handler that counts the file's bytes and
stops the parser as soon as the limit is passed. The body must not have been parsed before,
so the views using this are exempt from CSRF checks (the check reads the form): verifying a
file changes nothing and needs no signed-in user.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from sealpost.documents.verification import TooLarge, max_upload

# Room for the multipart framing and the other fields around the file.
ENVELOPE = 64 * 1024
# A browser that is still sending when the server answers and closes shows "connection reset"
# instead of the answer. A body up to this many times the limit is therefore read and thrown
# away (network time, no memory) so that the person sees why the file was refused; anything
# larger is refused without reading it.
DRAIN_FACTOR = 4


class SizeLimit(FileUploadHandler):
    """First of the upload handlers: passes the data on, and stops the upload past the limit."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            # The rest is at most the envelope (the declared length was checked): let Django read
            # it, so that the browser gets the answer rather than a reset connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def read_upload(request, field: str = "file") -> bytes | None:
    """The bytes of the uploaded file ``field``, or None when none was sent. Raises TooLarge.
    Call before anything reads request.POST or request.FILES."""
    limit = max_upload()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + ENVELOPE:
        _drain(request, length, limit)
        raise TooLarge(length)
    guard = SizeLimit(request, limit)
    try:
        request.upload_handlers.insert(0, guard)
    except AttributeError:  # already parsed (by a middleware): the length check above stands
        guard = None
    upload = request.FILES.get(field)
    if guard is not None and guard.exceeded:
        raise TooLarge(guard.received)
    if upload is None:
        return None
    if upload.size is not None and upload.size > limit:
        raise TooLarge(upload.size)
    data = b"".join(upload.chunks())
    if len(data) > limit:
        raise TooLarge(len(data))
    return data


def _drain(request, length: int, limit: int) -> None:
    if length > DRAIN_FACTOR * limit + ENVELOPE:
        return
    try:
        while request.read(64 * 1024):
            pass
    except Exception:  # noqa: BLE001 - the client went away: nothing to answer anyway
        pass
