"""The demo's mailbox: every e-mail the embedded default wrote to the local mailbox folder, and
the files the local SFTP server standing in for WES received. Shown only when settings.DEMO is
true (404 otherwise): it shows everyone's mail, so it must never be reachable in production."""

from functools import wraps
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from sealpost.delivery import mailbox


def wes_root() -> Path:
    """The folder the WES stand-in serves (its SFTP root)."""
    return Path(settings.DATA_DIR) / "wes-sftp"


def demo_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not getattr(settings, "DEMO", False):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@demo_only
def index(request):
    return render(request, "demo/mailbox.html", {"mails": mailbox.list_messages(), "folder": mailbox.mailbox_dir()})


@demo_only
def message(request, name):
    mail = mailbox.read_message(name)
    if mail is None:
        raise Http404
    return render(request, "demo/mailbox_message.html", {"mail": mail})


@demo_only
def wes_files(request):
    root = wes_root()
    files = []
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                stat = path.stat()
                files.append({"name": path.relative_to(root).as_posix(), "size": stat.st_size})
    return render(request, "demo/mailbox_wes.html", {"files": files, "folder": root})
