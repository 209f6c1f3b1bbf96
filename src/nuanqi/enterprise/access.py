"""How the enterprise module relates people to cases: commissioners to their companies, contacts to theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from nuanqi.accounts.models import Role
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Invalid

from .models import Assignment, Company, CompanyContact

if TYPE_CHECKING:
    from nuanqi.accounts.models import User
    from nuanqi.cases.models import Case


def served_company_ids(user: User) -> QuerySet[Assignment, int]:
    return Assignment.objects.filter(commissioner__user_id=user.pk, ended_on__isnull=True).values_list(
        "company_id", flat=True
    )


def contact_company_ids(user: User) -> QuerySet[CompanyContact, int]:
    return CompanyContact.objects.filter(user_id=user.pk).values_list("company_id", flat=True)


def company_followers(company_id: int) -> list[int]:
    """User ids of the people who hear of a company's cases on its side (the notification audience
    "requester"): its current commissioner and its contacts."""
    ids = list(
        Assignment.objects.filter(company_id=company_id, ended_on__isnull=True).values_list(
            "commissioner__user_id", flat=True
        )
    )
    return ids + list(CompanyContact.objects.filter(company_id=company_id).values_list("user_id", flat=True))


def visible_companies(user: User) -> QuerySet[Company]:
    """Every company this person may read: the office all, a commissioner his, a contact its own, a unit
    handler the companies of cases his unit leads or co-handles."""
    if not user.is_authenticated:
        return Company.objects.none()
    if user.sees_everything:
        return Company.objects.all()
    q = Q(pk__in=served_company_ids(user)) | Q(pk__in=contact_company_ids(user))
    if user.unit_id and user.has_role(Role.HANDLER):
        from nuanqi.cases.visibility import visible_cases

        q |= Q(pk__in=visible_cases(user).filter(subject_type="company").values("subject_id"))
    return Company.objects.filter(q)


def confidential_companies(user: User) -> QuerySet[Company]:
    """Companies whose confidential records this person may open: the office (admin, dispatcher) and
    leaders all; a commissioner only the companies he serves now, and only once he has signed the
    confidentiality agreement (保密条约). Everybody else none — their requests answer 404."""
    if not user.is_authenticated:
        return Company.objects.none()
    if user.sees_everything:
        return Company.objects.all()
    if not user.has_role(Role.COMMISSIONER):
        return Company.objects.none()
    ids = Assignment.objects.filter(
        commissioner__user_id=user.pk,
        commissioner__confidentiality_signed=True,
        commissioner__active=True,
        ended_on__isnull=True,
    ).values_list("company_id", flat=True)
    return Company.objects.filter(pk__in=ids)


def addressable_company(user: User, text: str) -> Company | None:
    """A department addresses any company of the district by its exact name or 信用代码 (to post a task or
    plan an inspection) without being able to list them."""
    if not (user.is_authenticated and user.unit_id and user.has_role(Role.HANDLER)):
        return None
    return Company.objects.filter(Q(name=text) | Q(uscc=text.upper())).first()


class EnterpriseAccess:
    def _q(self, user: User) -> Q | None:
        q: Q | None = None
        if user.has_role(Role.COMMISSIONER):
            q = Q(subject_type="company", subject_id__in=served_company_ids(user))
        if user.has_role(Role.ENTERPRISE):
            mine = Q(subject_type="company", subject_id__in=contact_company_ids(user))
            q = mine if q is None else q | mine
        return q

    def visible_q(self, user: User) -> Q | None:
        return self._q(user)

    def worklist_q(self, user: User) -> Q | None:
        return self._q(user)

    def relations(self, user: User, case: Case) -> set[str]:
        if case.subject_type != "company" or case.subject_id is None:
            return set()
        rel = set()
        if (
            user.has_role(Role.COMMISSIONER)
            and Assignment.objects.filter(
                commissioner__user_id=user.pk, company_id=case.subject_id, ended_on__isnull=True
            ).exists()
        ):
            rel.add("commissioner")
        if (
            user.has_role(Role.ENTERPRISE)
            and CompanyContact.objects.filter(user_id=user.pk, company_id=case.subject_id).exists()
        ):
            rel.add("requester")
        return rel


def resolve_company(user: User, value: object) -> SubjectRef:
    """A company the user may file a case about, by id, name or 统一社会信用代码."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise Invalid("请选择企业", "missing_field", field="company")
    # Only the id and the name: a company row is wide, and this runs on every intake.
    qs = visible_companies(user).values_list("pk", "name")
    found = None
    if text.isdigit():
        found = qs.filter(pk=int(text)).first()
    if found is None:
        found = qs.filter(Q(name=text) | Q(uscc=text.upper())).first()
    if found is None:
        company = addressable_company(user, text)
        found = (company.pk, company.name) if company is not None else None
    if found is None:
        raise Invalid(f"找不到企业“{text}”，或您无权为其登记事项", "unknown_company", field="company")
    return SubjectRef("company", found[0], found[1])
