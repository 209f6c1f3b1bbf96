"""Confidential company records: the serving commissioner with a signed agreement, the office and leaders
read them; everybody else gets 404, on the page and in the API, as if the company had none."""

from __future__ import annotations

from datetime import date

import pytest

from nuanqi.accounts.models import Role, RoleGrant, User
from nuanqi.enterprise.access import confidential_companies
from nuanqi.enterprise.models import Commissioner, CompanyContact, ConfidentialNote
from nuanqi.enterprise.records import add_confidential_note
from nuanqi.enterprise.services import assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(world):
    return add_confidential_note(world.huakang, "企业正在洽谈融资，信息暂不对外", actor=world.commissioner)


def page(world, user):
    return world.client(user).get(f"/companies/{world.huakang.pk}/confidential/")


def api(world, user):
    return world.client(user).get(f"/api/v1/companies/{world.huakang.pk}/confidential")


@pytest.mark.parametrize("who", ["commissioner", "admin", "dispatcher", "leader"])
def test_the_serving_commissioner_the_office_and_leaders_read_the_notes(world, note, who):
    user = getattr(world, who)
    assert page(world, user).status_code == 200
    assert "洽谈融资" in page(world, user).content.decode()
    response = api(world, user)
    assert response.status_code == 200
    assert response.json()[0]["text"] == note.text


def test_a_commissioner_who_has_not_signed_the_agreement_gets_404(world, note):
    Commissioner.objects.filter(user=world.commissioner).update(confidentiality_signed=False)
    user = User.objects.get(pk=world.commissioner.pk)
    assert page(world, user).status_code == 404
    assert api(world, user).status_code == 404
    assert api(world, user).json()["code"] == "not_found"
    # He still serves the company and sees its ordinary page, without the link.
    body = world.client(user).get(f"/companies/{world.huakang.pk}/").content.decode()
    assert "保密信息" not in body


def test_another_companys_contact_gets_404(world, note):
    other = User.objects.create_user("changhong_contact", password="x" * 10, display_name="长宏联系人")
    RoleGrant.objects.create(user=other, role=Role.ENTERPRISE)
    CompanyContact.objects.create(company=world.changhong, user=other)
    assert page(world, other).status_code == 404
    assert api(world, other).status_code == 404


def test_the_companys_own_contact_does_not_read_the_commissioners_notes(world, note):
    assert page(world, world.company).status_code == 404
    assert api(world, world.company).status_code == 404


@pytest.mark.parametrize("who", ["handler", "handler2", "commissioner2", "outsider"])
def test_an_unrelated_unit_another_commissioner_or_an_outsider_gets_404(world, note, who):
    user = getattr(world, who)
    assert page(world, user).status_code == 404
    assert api(world, user).status_code == 404
    post = world.client(user).post(
        f"/api/v1/companies/{world.huakang.pk}/confidential", {"text": "x"}, content_type="application/json"
    )
    assert post.status_code == 404
    assert ConfidentialNote.objects.count() == 1


def test_the_predecessor_loses_access_at_handover(world, note):
    c2 = Commissioner.objects.get(user=world.commissioner2)
    assign(c2, world.huakang, on=date(2023, 3, 1), actor=world.admin)
    assert page(world, world.commissioner).status_code == 404
    assert page(world, world.commissioner2).status_code == 200
    assert list(confidential_companies(world.commissioner)) == []


def test_a_commissioner_without_agreement_cannot_write_notes_either(world):
    from nuanqi.cases.errors import Forbidden

    Commissioner.objects.filter(user=world.commissioner).update(confidentiality_signed=False)
    with pytest.raises(Forbidden):
        add_confidential_note(world.huakang, "x", actor=User.objects.get(pk=world.commissioner.pk))
    assert ConfidentialNote.objects.count() == 0
