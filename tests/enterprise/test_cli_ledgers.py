"""`nuanqi import|export|policies match` as a user runs them: a real subprocess on a demo database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from .helpers import fill_template, uscc


def run(*args: str, home: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NUANQI_DATABASE_URL"}
    env["NUANQI_HOME"] = home
    return subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo")
    r = run("demo", "--no-serve", "--home", str(path), home=str(path))
    assert r.returncode == 0, r.stderr
    return str(path)


def test_import_prints_every_bad_row_exits_1_and_changes_nothing_then_imports_the_fixed_file(
    home, tmp_path, db
):
    template = tmp_path / "template.xlsx"
    r = run("import", "template", "companies", "-o", str(template), home=home)
    assert r.returncode == 0, r.stderr
    headers = [c.value for c in load_workbook(template).active[1]]
    assert "企业名称*" in headers and "所属镇街*" in headers
    rows = [
        ["定海甲科技有限公司", uscc(11), "C39", "小型", "否", "白泉镇"],
        ["定海乙贸易有限公司", uscc(12)[:-1] + "Z", "批发业", "微型", "否", "干览镇"],
        ["定海丙建设有限公司", uscc(13), "E", "中型", "否", "长白乡"],
        ["定海丁物流有限公司", uscc(14), "G", "小", "否", "不存在镇"],
    ]
    bad = fill_template("companies", tmp_path / "bad.xlsx", rows)
    r = run("import", "companies", str(bad), home=home)
    assert r.returncode == 1
    assert "第 3 行，“统一社会信用代码”列" in r.stdout
    assert "第 5 行，“所属镇街”列" in r.stdout
    assert "未导入任何数据" in r.stdout
    out = tmp_path / "companies.xlsx"
    assert run("export", "companies", "-o", str(out), home=home).returncode == 0
    assert load_workbook(out).active.max_row == 1 + 8  # the demo's eight companies, nothing imported

    rows[1][1], rows[3][5] = uscc(12), "小沙街道"
    good = fill_template("companies", tmp_path / "good.xlsx", rows)
    r = run("import", "companies", str(good), home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "新增 4 条" in r.stdout
    r = run("export", "companies", "-o", str(out), "--town", "白泉镇", home=home)
    assert r.returncode == 0
    ws = load_workbook(out)
    names = [row[0] for row in ws["企业台账"].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["定海甲科技有限公司", "舟山良海粮油有限公司"]
    assert ("所属镇街", "白泉镇") in [tuple(r) for r in ws["说明"].iter_rows(values_only=True)]


def test_policies_match_prints_a_json_summary(home):
    r = run("policies", "match", home=home)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"companies", "policies", "matches", "seconds"}
    assert out["policies"] == 8 and out["matches"] >= 15


@pytest.mark.parametrize(
    "kind",
    [
        "commissioners",
        "assignments",
        "policies",
        "matches",
        "applications",
        "indicators",
        "inspections",
        "projects",
    ],
)
def test_every_list_exports(home, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    r = run("export", kind, "-o", str(out), home=home)
    assert r.returncode == 0, r.stderr
    assert load_workbook(out).worksheets[0].max_row >= 2
