"""A district with the demo's directory and catalogue, its history imported from the demo's frozen ledger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from nuanqi.accounts.models import Role, RoleGrant, Unit, User
from nuanqi.cases.models import Category, Kind
from nuanqi.demo import seed_data as S
from nuanqi.demo.history.build import LEDGER
from nuanqi.enterprise.case_import import run_import
from nuanqi.enterprise.models import Company, CompanyContact
from nuanqi.lib.uscc import with_check_digit


@dataclass
class District:
    dispatcher: User
    commissioner: User
    company_user: User
    outsider: User
    companies: dict[str, Company]

    def client(self, user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c


def _person(username: str, *roles: str) -> User:
    user = User.objects.create_user(username=username, password="x-pass-2023", display_name=username)
    for role in roles:
        RoleGrant.objects.create(user=user, role=role)
    return user


def make_directory() -> dict[str, Company]:
    units = {}
    for sort, (name, short, kind, inside, region) in enumerate(S.UNITS, start=1):
        units[name] = Unit.objects.create(
            name=name, short_name=short, kind=kind, in_district=inside, region_code=region, sort=sort
        )
        if short:
            units[short] = units[name]
    for top_name, leaves in S.CATEGORIES.items():
        top = Category.objects.create(kind=Kind.REQUEST, name=top_name)
        for leaf in leaves:
            Category.objects.create(kind=Kind.REQUEST, name=leaf, parent=top)
    companies = {}
    for spec in S.COMPANIES:
        companies[spec.name] = Company.objects.create(
            name=spec.name,
            uscc=with_check_digit("91330902" + spec.body),
            industry=spec.industry,
            town=units[spec.town],
        )
    return companies


@pytest.fixture
def district(db, settings, tmp_path) -> District:
    settings.HOME = Path(tmp_path)
    companies = make_directory()
    with LEDGER.open("rb") as f:
        report = run_import(f, actor=None)
    assert report.ok, report.errors[:3]
    dispatcher = _person("dispatcher", Role.DISPATCHER)
    commissioner = _person("commissioner", Role.COMMISSIONER)
    company_user = _person("company", Role.ENTERPRISE)
    CompanyContact.objects.create(company=next(iter(companies.values())), user=company_user)
    outsider = _person("outsider")
    return District(dispatcher, commissioner, company_user, outsider, companies)
