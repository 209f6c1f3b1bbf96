"""`nuanqi serve` and `nuanqi demo` as a newcomer runs them: real processes, real HTTP.

Every process here runs on a SQLite home of its own (`_env` drops NUANQI_DATABASE_URL) and no test uses the
test database, so they run once, in the SQLite half of `./nq test`: the PostgreSQL half would run the same
SQLite processes again (two demo builds among them)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.single_database


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


def _start_serve(home: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "nuanqi.cli", "serve", "--port", str(port), "--workers", "1"],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the server did not come up")


def _gunicorn_pids(parent: int) -> list[int]:
    """The gunicorn master and workers below `parent` (from /proc: no extra tools)."""
    import pathlib

    children: dict[int, list[int]] = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [parent]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def test_sigterm_to_serve_stops_gunicorn_cleanly(tmp_path):
    port = _free_port()
    proc = _start_serve(str(tmp_path), port)
    try:
        _wait_up(port)
        below = _gunicorn_pids(proc.pid)
        assert below, "gunicorn runs as a child of nuanqi serve"
        os.kill(proc.pid, 15)  # SIGTERM to `nuanqi serve` alone, as systemd or docker stop would send it
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in below):
            time.sleep(0.2)
        assert not [pid for pid in below if os.path.exists(f"/proc/{pid}")], "gunicorn was left running"
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=20)


def test_serve_on_an_empty_database_says_what_to_do(tmp_path):
    port = _free_port()
    proc = _start_serve(str(tmp_path), port)
    try:
        _wait_up(port)
    finally:
        os.killpg(proc.pid, 15)
        out = proc.communicate(timeout=30)[0].decode()
    assert "还没有任何账号" in out and "nuanqi demo" in out and "createsuperuser" in out


def test_demo_no_serve_prints_its_home_and_the_command_that_serves_it(tmp_path):
    home = tmp_path / "home"
    r = subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", "demo", "--no-serve"],
        env=_env(str(home)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert f"演示数据目录 / demo home: {home}" in r.stdout
    assert f"nuanqi --home {home} serve" in r.stdout
    # The printed command serves that home and the demo logins work there.
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nuanqi.cli",
            "--home",
            str(home),
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env={k: v for k, v in os.environ.items() if k not in ("NUANQI_DATABASE_URL", "NUANQI_HOME")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_up(port)
        import http.cookiejar
        import re
        import urllib.parse

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"http://127.0.0.1:{port}/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token
        from nuanqi.demo.world import DEMO_PASSWORD

        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": "dispatcher", "password": DEMO_PASSWORD}
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/login/",
            data=body,
            headers={"Referer": f"http://127.0.0.1:{port}/login/"},
        )
        landed = opener.open(request, timeout=10)
        assert "/login/" not in landed.geturl()
    finally:
        os.killpg(proc.pid, 15)
        out = proc.communicate(timeout=30)[0].decode()
    assert "还没有任何账号" not in out
    # Building the demo again in the same home is allowed (it is a demo home); a real database is not wiped.
    real = tmp_path / "real"
    real.mkdir()
    (real / "nuanqi.sqlite3").write_bytes(b"")
    r = subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", "demo", "--no-serve", "--home", str(real)],
        env=_env(str(real)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and "非演示数据库" in r.stderr
    assert (real / "nuanqi.sqlite3").exists()
