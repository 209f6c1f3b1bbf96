"""A Content-Security-Policy on every page (our own scripts and styles, inline blocks by nonce only), and the
HTTPS mode's cookies and HSTS, with `manage check --deploy` clean in that mode."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nuanqi

pytestmark = pytest.mark.django_db

TEMPLATES = Path(nuanqi.__file__).parent / "templates"


def test_a_page_carries_a_policy_whose_nonce_its_inline_script_uses(world):
    response = world.client(world.handler).get("/")
    policy = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "object-src 'none'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert "'unsafe-inline'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html


def test_a_nonce_is_new_for_each_response(world):
    client = world.client(world.handler)
    first, second = (client.get("/")["Content-Security-Policy"] for _ in range(2))
    assert first != second


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_uses_what_the_policy_refuses(template: Path):
    text = template.read_text()
    assert not re.search(r"\sstyle=\"", text), "a style attribute: use a class in static/nuanqi/*.css"
    assert not re.search(r"\son[a-z]+=\"", text), "an event attribute: bind it in a nonce'd script"
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
        assert 'nonce="{{ CSP_NONCE }}"' in tag or "src=" in tag, tag


def _check_deploy(https: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # A clean environment: only what a server would have (other tests set NUANQI_* variables in this process).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUANQI_", "DJANGO_"))}
    env.update(NUANQI_HTTPS=https, NUANQI_HOME=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "nuanqi.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_https_mode_and_names_what_plain_http_lacks(tmp_path):
    secure = _check_deploy("1", tmp_path)
    assert secure.returncode == 0, secure.stdout + secure.stderr
    plain = _check_deploy("", tmp_path)
    assert plain.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in plain.stderr + plain.stdout
