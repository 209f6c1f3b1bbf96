"""What operations need to know of the running system: the worker's heartbeat (for `/readyz`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last round of a background process (`worker`), written each round."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField(default=timezone.now)
    host = models.CharField(max_length=100, blank=True)
    pid = models.PositiveIntegerField(null=True)


def beat(name: str) -> None:
    import os
    import socket

    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"beat_at": timezone.now(), "host": socket.gethostname()[:100], "pid": os.getpid()},
    )
