"""The escrow path as an operator runs it: `nuanqi tips escrow init` writes the private key to a file to be
kept offline and the public key beside the data; after a leader's password reset, `nuanqi tips escrow reseal`
gives him back his tips and their identities."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from nuanqi.cli import main
from nuanqi.tips import keys
from nuanqi.tips.models import Tip, TipShare

pytestmark = pytest.mark.django_db


def test_escrow_init_then_reseal_after_a_leaders_password_reset(inspection, settings, tmp_path, capsys):
    settings.HOME = tmp_path / "home"
    key_file = tmp_path / "offline" / "escrow.key"
    key_file.parent.mkdir()
    main(["tips", "escrow", "init", "--private-key-out", str(key_file)])
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    assert keys.escrow_public_key() is not None
    with pytest.raises(SystemExit):  # never overwrites a key file
        main(["tips", "escrow", "init", "--private-key-out", str(key_file)])

    body = {
        "target_unit": "区住建局",
        "disciplines": ["work"],
        "content": "反映问题",
        "anonymous": False,
        "name": "实名人",
        "phone": "13905800009",
    }
    assert (
        Client().post("/api/v1/public/tips", json.dumps(body), content_type="application/json").status_code
        == 201
    )
    tip = Tip.objects.get()
    assert TipShare.objects.filter(tip=tip, user__isnull=True).count() == 2  # content and identity to escrow

    leader = inspection.leader
    leader.set_password("after-the-reset-1")
    leader.save()
    keys.ensure_member_key(leader, "after-the-reset-1")
    assert not TipShare.objects.filter(tip=tip, user=leader).exists()
    capsys.readouterr()
    main(["tips", "escrow", "reseal", leader.username, "--private-key", str(key_file)])
    assert "2" in capsys.readouterr().out
    c = Client()
    c.post("/login/", {"username": leader.username, "password": "after-the-reset-1"})
    assert "反映问题" in c.get(f"/tips/{tip.case.number}/").content.decode()
    assert "13905800009" in c.post(f"/tips/{tip.case.number}/identity/").content.decode()


def test_reseal_with_a_wrong_key_file_says_so(inspection, tmp_path, capsys):
    bad = tmp_path / "bad.key"
    bad.write_text("not base64!")
    with pytest.raises(SystemExit) as exc:
        main(["tips", "escrow", "reseal", inspection.leader.username, "--private-key", str(bad)])
    assert exc.value.code == 2 and "托管私钥" in capsys.readouterr().err
