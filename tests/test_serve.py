"""`nuanqi serve` and `nuanqi demo` as a newcomer runs them: real processes, real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NUANQI_DATABASE_URL"}
    env["NUANQI_HOME"] = home
    return env


def test_serve_answers_the_login_page_and_static_files_over_http(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nuanqi.cli", "serve", "--port", str(port), "--workers", "1"],
        env=_env(str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.3)
        assert "登录".encode() in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/nuanqi/app.css", timeout=5) as r:
            assert r.status == 200 and b"--red" in r.read()
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


def test_demo_without_serving_builds_the_world_and_prints_the_logins(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", "demo", "--home", str(tmp_path), "--no-serve"],
        env=_env(str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    for login in ("admin", "leader", "dispatcher", "commissioner", "commissioner2", "handler", "company"):
        assert f"  {login} " in r.stdout
    audit = subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", "--home", str(tmp_path), "audit", "verify"],
        env=_env(str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 0 and "审计通过" in audit.stdout


def test_a_receipt_never_appears_in_the_servers_access_log(tmp_path):
    """The same gunicorn command line as `nuanqi serve`, access log on, over real HTTP: the receipt travels
    only in POST bodies, so the log shows the paths and never the code."""
    import json
    from pathlib import Path

    env = _env(str(tmp_path))
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = f"{root}{os.pathsep}{env.get('PYTHONPATH', '')}"
    subprocess.run([sys.executable, "-m", "nuanqi.cli", "manage", "migrate", "-v", "0"], env=env, check=True)
    port = _free_port()
    log = tmp_path / "access.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.toy_wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--preload",
            "--access-logfile",
            str(log),
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def post(path: str, body: dict[str, str]) -> dict[str, object]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/public/toy-reports/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.3)
        filed = post("/api/v1/public/toy-reports", {"title": "惠舟社区僵尸车", "description": "停放三个月"})
        receipt = str(filed["receipt"])
        assert post("/api/v1/public/toy-reports/status", {"receipt": receipt})["number"] == filed["number"]
        post("/api/v1/public/toy-reports/messages", {"receipt": receipt, "text": "车牌浙L·12345"})
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
    text = log.read_text()
    assert "POST /api/v1/public/toy-reports/status" in text and "/public/toy-reports/ " in text
    assert receipt not in text and receipt[:8] not in text
