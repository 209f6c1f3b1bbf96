"""A new district starts with the default request categories, time limits and working hours (a data
migration), and `nuanqi init` puts back the ones that go missing, changing nothing that is there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from nuanqi import cli
from nuanqi.calendars.models import WorkSchedule
from nuanqi.cases.models import Category, SlaPolicy
from nuanqi.defaults import CATEGORIES, SLA_POLICIES, ensure

pytestmark = pytest.mark.django_db

N_CATEGORIES = len(CATEGORIES) + sum(len(leaves) for leaves in CATEGORIES.values())


def _counts() -> tuple[int, int, int]:
    return Category.objects.count(), SlaPolicy.objects.count(), WorkSchedule.objects.count()


def test_the_data_migration_gives_a_new_database_the_defaults():
    migration = MigrationLoader(connection).get_migration("cases", "0011_people_default_settings")
    state = MigrationLoader(connection).project_state(("cases", "0011_people_default_settings"))
    assert _counts() == (0, 0, 0)  # the suite's starting point (tests/conftest.py)
    migration.operations[0].code(state.apps, None)
    assert _counts() == (N_CATEGORIES, len(SLA_POLICIES), 1)
    assert Category.objects.get(name="合规证明").parent.name == "政府审批"  # type: ignore[union-attr]
    assert SlaPolicy.objects.get(nature="consult", priority=None).resolve_days == 3
    assert WorkSchedule.objects.get().sessions == "08:30-12:00, 14:00-17:00"


def test_init_puts_back_what_is_missing_and_is_idempotent(capsys):
    assert ensure() == {"categories": N_CATEGORIES, "sla": len(SLA_POLICIES), "schedules": 1}
    assert ensure() == {"categories": 0, "sla": 0, "schedules": 0}
    # An office changed a time limit and deleted a 小项 and a row: init restores the missing only.
    SlaPolicy.objects.filter(nature="help", priority=None).update(resolve_days=4)
    Category.objects.get(name="用电").delete()
    SlaPolicy.objects.filter(nature="complaint", priority=1).delete()
    cli.main(["init"])
    assert "分类 1 项、时限规则 1 条、作息时间 0 条" in capsys.readouterr().out
    assert _counts() == (N_CATEGORIES, len(SLA_POLICIES), 1)
    assert SlaPolicy.objects.get(nature="help", priority=None).resolve_days == 4
    cli.main(["init"])
    assert "默认设置齐全" in capsys.readouterr().out


def test_an_office_that_set_its_own_hours_keeps_them():
    WorkSchedule.objects.create(name="夏令作息", sessions="08:30-12:00, 14:30-17:30")
    ensure()
    assert list(WorkSchedule.objects.values_list("name", flat=True)) == ["夏令作息"]
