"""The offline bundle as an intranet's IT office uses it: `./nq bundle` builds one archive of wheels, and on a
machine with no package index `./nq install --from ARCHIVE` installs it into a new virtual environment
(`pip --no-index`) from which `nuanqi` answers. Also: the shipped systemd units pass
`systemd-analyze verify`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.packaging, pytest.mark.single_database]


def test_the_bundle_installs_without_an_index_and_nuanqi_answers(tmp_path):
    archive = tmp_path / "nuanqi-offline.tar.gz"
    env = {k: v for k, v in os.environ.items() if k not in ("NUANQI_DATABASE_URL", "NUANQI_HOME")}
    env["PYTHON"] = sys.executable
    built = subprocess.run(
        ["./nq", "bundle", "-o", str(archive)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=900
    )
    assert built.returncode == 0, built.stdout + built.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    wheels = [n for n in names if n.endswith(".whl")]
    assert any("/nuanqi-" in n for n in wheels) and any("jieba" in n.lower() for n in wheels)
    assert "nuanqi-offline/deploy/systemd/nuanqi-worker.service" in names
    # Install as on the intranet: pip may not reach any index.
    env_offline = env | {"PIP_INDEX_URL": "http://127.0.0.1:9/none", "PIP_NO_INDEX": "1"}
    venv = tmp_path / "venv"
    installed = subprocess.run(
        ["./nq", "install", "--from", str(archive), "--venv", str(venv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env_offline,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    answer = subprocess.run(
        [str(venv / "bin/nuanqi"), "calendar", "day", "2023-01-29"],
        capture_output=True,
        text=True,
        env=env | {"NUANQI_HOME": str(tmp_path / "home")},
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout) == {"date": "2023-01-29", "workday": True, "name": "调休上班"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze 不可用 / not installed")
def test_the_systemd_units_verify(tmp_path):
    nuanqi = Path(sys.executable).with_name("nuanqi")
    units = []
    for unit in sorted((ROOT / "deploy/systemd").glob("nuanqi-*.*")):
        text = unit.read_text().replace("/opt/nuanqi/venv/bin/nuanqi", str(nuanqi))
        (tmp_path / unit.name).write_text(text)
        units.append(f"./{unit.name}")
    assert len(units) == 4
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
