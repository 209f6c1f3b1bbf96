"""/healthz answers without the database; /readyz reports the database, migrations, the worker's heartbeat and
the outbox, turning unready (503) when the heartbeat is stale; `nuanqi status` prints the same JSON."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from nuanqi.cli import main
from nuanqi.notify.commands import run_once
from nuanqi.ops.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        r = Client().get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_readyz_follows_the_workers_heartbeat(world):
    r = Client().get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["worker"]["ok"] is False
    run_once()  # a worker round beats
    r = Client().get("/readyz")
    body = r.json()
    assert r.status_code == 200 and body["ready"] is True
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert set(body["checks"]["outbox"]) == {"ok", "waiting", "dead"}
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    r = Client().get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["worker"]["heartbeat_age_seconds"] >= 600
    # Nothing sensitive: counts and ages, no names, hosts or addresses.
    assert "host" not in r.content.decode() and "pid" not in r.content.decode()


def test_nuanqi_status_prints_the_readiness_json(world, capsys):
    run_once()
    main(["status"])
    assert json.loads(capsys.readouterr().out)["ready"] is True
    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    with pytest.raises(SystemExit) as exc:
        main(["status"])
    assert exc.value.code == 1
