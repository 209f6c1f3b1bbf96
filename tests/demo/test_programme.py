"""The demo's programme: each feature shown on the seed's companies, and the seed's figures reproducible."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from nuanqi.cases.models import Case
from nuanqi.cases.timeline import verify
from nuanqi.enterprise import inspections as insp
from nuanqi.enterprise.models import (
    Company,
    ConfidentialNote,
    Inspection,
    PolicyApplication,
    PolicyMatch,
    Project,
    WorkLogEntry,
)
from nuanqi.enterprise.outcomes import compare_company
from nuanqi.enterprise.workflow import TASK
from tests.demo_snapshot import demo_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def summary(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, int | str]]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield demo_world()
        transaction.set_rollback(True)


def company(prefix: str) -> Company:
    return Company.objects.get(name__startswith=prefix)


def test_changhong_reproduces_the_seeds_output_growth_and_accidents_falling_to_zero():
    by = {c.metric: c for c in compare_company(company("舟山长宏"))}
    assert by["output"].change_pct == 130.0 and by["output"].text == "增长130%"
    assert (by["accidents"].before, by["accidents"].after) == (3, 0)
    assert by["accidents"].text == "由3起降为0起"


def test_huakang_shows_every_feature():
    huakang = company("舟山华康")
    assert ConfidentialNote.objects.filter(company=huakang).exists()
    project = Project.objects.get(company=huakang)
    assert project.milestones.count() == 8 and project.cases.count() >= 3
    assert any(m.days_ahead and m.days_ahead > 0 for m in project.milestones.all())
    reasons = list(PolicyMatch.objects.filter(company=huakang).values_list("reasons", flat=True))
    assert "符合：规上工业企业" in reasons and "符合：医药制造业" in reasons
    warned = Inspection.objects.filter(company=huakang).exclude(warning="")
    assert warned.exists()
    assert [p.company for p in insp.joint_proposals()] == [huakang]
    assert Case.objects.filter(kind=TASK, subject_id=huakang.pk, status="in_progress").exists()
    assert Case.objects.filter(subject_id=huakang.pk, channel="company_request").exists()
    assert WorkLogEntry.objects.filter(person__username="commissioner", planned=True).count() >= 3


def test_policy_applications_are_tracked_to_the_amount_granted():
    granted = PolicyApplication.objects.get(company=company("舟山长宏"), status="granted")
    assert granted.amount == 180


def test_the_audit_chain_still_holds(summary):
    assert list(verify()) == []
    assert summary["惠企政策"] == 8 and summary["政策匹配"] >= 15
