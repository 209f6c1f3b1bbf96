"""/metrics: 404 without a configured token, refused without the right one, and with two gunicorn workers the
exposition adds up what both served (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from tests.test_serve import _env, _free_port

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.mark.django_db
def test_metrics_is_404_without_a_token_and_refused_without_the_right_one(world, settings):
    settings.NUANQI_METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404
    settings.NUANQI_METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    Client().get("/login/")
    r = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    body = r.content.decode()
    assert r.status_code == 200 and r["Content-Type"].startswith("text/plain")
    assert 'nuanqi_request_seconds_count{method="GET",status="200",view="login"}' in body
    assert "nuanqi_db_seconds_bucket" in body and "nuanqi_worker_heartbeat_age_seconds" in body


def _get(url: str, token: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=5) as r:
        return str(r.read().decode())


def test_two_gunicorn_workers_count_into_one_exposition(tmp_path):
    port = _free_port()
    env = _env(str(tmp_path)) | {"NUANQI_METRICS_TOKEN": TOKEN}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "nuanqi.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.3)
        # Eight clients at once: while one worker is busy the other accepts, so both serve.
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda _i: _get(f"{base}/login/"), range(40)))
        body = _get(f"{base}/metrics", TOKEN)
        count = re.search(
            r'nuanqi_request_seconds_count\{method="GET",status="200",view="login"\} (\S+)', body
        )
        assert count is not None and float(count.group(1)) == 40
        # Both workers served: their files are both in the multiprocess directory.
        assert len(list((tmp_path / "metrics").glob("histogram_*.db"))) == 2
        with pytest.raises(urllib.error.HTTPError) as refused:
            _get(f"{base}/metrics")
        assert refused.value.code == 403
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
