"""Role × URL: every named page of the product, opened by every persona of the demo's world, answers the
status written in MATRIX below.

The rows are checked against the URL configuration: a URL added without a row fails
`test_every_named_url_has_a_row`, which prints the row to add (measured, for you to check against what each
role should get), and a row whose URL is gone fails too. The API (/api/v1/) is not here: schemathesis covers
it (tests/fuzz/), and its own tests the outsiders' 404s. Cells are the status of a GET: 200 a page or file,
302 the login page (anonymous), 404 not there or not yours (never 403 with details), 405 a POST-only action.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from nuanqi.accounts.models import User
from nuanqi.attachments.models import Attachment
from nuanqi.cases.models import Case, Category, SlaPolicy
from nuanqi.consult.models import Session as ConsultSession
from nuanqi.demo.seed_data import CERTIFICATE_TITLE
from nuanqi.enterprise.models import Company, Inspection, Policy, Project
from nuanqi.patrol.models import Patrol, Point, ZombieCar
from nuanqi.projects.models import Programme, ResearchVisit
from nuanqi.projects.models import Project as PublicProject
from nuanqi.tips.models import Round, Tip
from tests.demo_snapshot import demo_world

pytestmark = pytest.mark.django_db

# The demo's logins, one per role; "anonymous" has no session. company2 serves another company than the
# demo's subject (华康), so its cells show what an outsider to that company gets.
PERSONAS = (
    "anonymous",
    "admin",
    "leader",
    "dispatcher",
    "commissioner",
    "handler",
    "company",
    "company2",
    "pointleader",
)

# Namespaces and URLs that are not pages of ours: Django's admin, the JSON API, the language switch.
NOT_PAGES = ("admin", "api")
NOT_PAGE_NAMES = {"set_language"}
# A machine interface with its own spec, conformance and persona tests (tests/patrol/test_open311*.py).
NOT_PAGE_PREFIXES = ("/open311/v2/",)

# Route name → the GET status for each persona, in PERSONAS' order.
MATRIX: dict[str, str] = {
    # anonymous admin leader dispatcher commissioner handler company company2 pointleader
    "my_list": "302 200 200 200 200 200 200 200 200",
    "login": "200 200 200 200 200 200 200 200 200",
    "logout": "405 405 405 405 405 405 405 405 405",
    "token_list": "302 200 200 200 200 200 200 200 200",
    # Cases: the certificate case is 华康's; company2 and the point leader are outsiders to it.
    "case_list": "302 200 200 200 200 200 200 200 200",
    "new_case": "302 200 200 200 200 200 200 200 200",
    "case_detail": "302 200 200 200 200 200 200 404 404",
    "case_act": "302 405 405 405 405 405 405 405 405",
    # A request spawns no other kind: nobody gets its spawn form (a consult item offers it to the office).
    "case_spawn": "302 404 404 404 404 404 404 404 404",
    "task_add": "302 405 405 405 405 405 405 405 405",
    "task_act": "302 405 405 405 405 405 405 405 405",
    "attachment_add": "302 405 405 405 405 405 405 405 405",
    # The demo's first file is a patrol photo: the office and the point's leader see it.
    "attachment_download": "302 200 200 200 404 404 404 404 200",
    "attachment_thumbnail": "302 200 200 200 404 404 404 404 200",
    "errand_plan": "302 200 200 200 200 200 404 404 404",
    "task_new": "302 200 404 200 404 200 404 404 404",
    # Public channels: no account needed.
    "public_form": "200 200 200 200 200 200 200 200 200",
    "public_status": "200 200 200 200 200 200 200 200 200",
    "public_message": "405 405 405 405 405 405 405 405 405",
    "tips_notice": "200 200 200 200 200 200 200 200 200",
    "tips_notice_detail": "200 200 200 200 200 200 200 200 200",
    # 暖企: companies and the programme's internal pages (404 to company contacts).
    "company_list": "302 200 200 200 200 200 200 200 200",
    "company_detail": "302 200 200 200 200 200 200 404 404",
    "company_confidential": "302 200 200 200 200 404 404 404 404",
    "indicator_add": "302 405 405 405 405 405 405 405 405",
    "milestone_set": "302 405 405 405 405 405 405 405 405",
    "worklog": "302 200 200 200 200 200 404 404 200",
    "programme": "302 200 200 200 200 200 404 404 200",
    "policy_list": "302 200 200 200 200 200 200 200 200",
    "policy_detail": "302 200 200 200 200 200 200 200 200",
    "inspection_list": "302 200 200 200 200 200 404 404 200",
    "inspection_merge": "302 405 405 405 405 405 405 405 405",
    "export_list": "302 200 200 200 200 200 200 200 200",
    "import_page": "302 200 404 200 404 404 404 404 404",
    "import_template": "302 200 404 200 404 404 404 404 404",
    # Point patrols.
    "patrol_home": "302 200 200 200 200 200 200 200 200",
    "patrol_point": "302 200 404 200 404 404 404 404 200",
    "patrol_done": "302 200 200 200 404 404 404 404 200",
    # Dashboards, briefings and ledgers.
    "dashboard": "302 200 200 200 404 404 404 404 404",
    "dashboard_office": "302 200 200 200 404 404 404 404 404",
    "dashboard_unit": "302 200 404 200 404 200 404 404 404",
    "dashboard_week": "302 404 404 404 200 404 404 404 404",
    "dashboard_kpis": "302 200 200 200 200 200 404 404 200",
    "briefing": "302 200 200 200 404 404 404 404 404",
    "briefing_xlsx": "302 200 200 200 404 404 404 404 404",
    "case_ledger": "302 200 200 200 200 200 200 200 200",
    "my_ledger": "302 200 200 200 200 200 200 200 200",
    # Notifications.
    "notify_inbox": "302 200 200 200 200 200 200 200 200",
    "notify_read": "302 405 405 405 405 405 405 405 405",
    "notify_preferences": "302 200 200 200 200 200 200 200 200",
    "notify_dead": "302 200 404 404 404 404 404 404 404",
    # The modules merged later: consultations, projects, patrol ledgers and reports, tips (members only:
    # none of these personas is in an inspection group), operations.
    "consult_import": "302 200 404 200 404 404 404 404 404",  # /consult/sessions/<int:session_id>/import/
    "consult_import_template": "302 200 404 200 404 404 404 404 404",  # /consult/import-template.xlsx
    "consult_ledger": "302 200 200 200 404 404 404 404 404",  # /consult/sessions/<int:session_id>/items.xlsx
    "consult_public_list": "200 200 200 200 200 200 200 200 200",  # /consultations/
    "consult_public_summary": "200 200 200 200 200 200 200 200 200",  # /consultations/<int:session_id>/
    "consult_session": "302 200 200 200 404 404 404 404 404",  # /consult/sessions/<int:session_id>/
    "consult_session_new": "302 200 404 404 404 404 404 404 404",  # /consult/sessions/new/
    "consult_sessions": "302 200 200 200 200 200 404 404 200",  # /consult/
    "consult_spot_answer": "302 200 404 200 404 404 404 404 404",  # /consult/items/<str:number>/spot/
    "healthz": "200 200 200 200 200 200 200 200 200",  # /healthz
    "metrics": "404 404 404 404 404 404 404 404 404",  # /metrics
    "patrol_points_import": "302 200 404 200 404 404 404 404 404",  # /patrol/points/import/
    "patrol_points_template": "302 200 404 200 404 404 404 404 404",  # /patrol/points/template.xlsx
    "patrol_points_xlsx": "302 200 404 200 404 404 404 404 404",  # /patrol/points.xlsx
    "patrol_report": "302 200 200 200 404 404 404 404 404",  # /patrol/report/
    "patrol_report_xlsx": "302 200 200 200 404 404 404 404 404",  # /patrol/report.xlsx
    "programme_detail": "302 200 200 200 404 404 404 404 404",  # /programmes/<int:programme_id>/
    "programme_list": "302 200 200 200 404 200 404 404 404",  # /programmes/
    "project_detail": "302 200 200 200 404 404 404 404 404",  # /projects/<int:project_id>/
    # The office keeps the project ledger: editing pages for admins and dispatchers only.
    "project_new": "302 200 404 200 404 404 404 404 404",  # /projects/new/
    "project_edit": "302 200 404 200 404 404 404 404 404",  # /projects/<int:project_id>/edit/
    "project_milestones": "302 200 404 200 404 404 404 404 404",  # /projects/<int:project_id>/milestones/
    "project_replan": "302 200 404 200 404 404 404 404 404",  # /projects/<int:project_id>/replan/
    "programme_new": "302 200 404 200 404 404 404 404 404",  # /programmes/new/
    "programme_edit": "302 200 404 200 404 404 404 404 404",  # /programmes/<int:programme_id>/edit/
    "project_import": "302 200 404 200 404 404 404 404 404",  # /projects/import/
    "project_list": "302 200 200 200 404 200 404 404 404",  # /projects/
    "readyz": "503 503 503 503 503 503 503 503 503",  # /readyz
    "tip_act": "302 405 405 405 405 405 405 405 405",  # /tips/<str:number>/act/
    "tip_detail": "302 404 404 404 404 404 404 404 404",  # /tips/<str:number>/
    "tip_figures": "302 404 404 404 404 404 404 404 404",  # /tips/figures/
    "tip_file": "302 404 404 404 404 404 404 404 404",  # /tips/<str:number>/files/<int:file_id>/
    "tip_identity": "302 405 405 405 405 405 405 405 405",  # /tips/<str:number>/identity/
    "tip_list": "302 404 404 404 404 404 404 404 404",  # /tips/
    "tip_reads": "302 404 404 404 404 404 404 404 404",  # /tips/<str:number>/reads/
    "tip_register": "302 404 404 404 404 404 404 404 404",  # /tips/new/
    "tip_release": "302 405 405 405 405 405 405 405 405",  # /tips/<str:number>/release/
    "tip_reply": "302 405 405 405 405 405 405 405 405",  # /tips/<str:number>/reply/
    # /programmes/<int:programme_id>/visits/<int:visit_id>/
    "visit_detail": "302 200 200 200 404 404 404 404 404",
    "zombie_car": "302 200 200 200 404 404 404 404 404",  # /patrol/zombie-cars/<int:car_id>/
    "zombie_cars": "302 200 200 200 404 404 404 404 200",  # /patrol/zombie-cars/
    "zombie_cars_xlsx": "302 200 200 200 404 404 404 404 200",  # /patrol/zombie-cars.xlsx
    # The office's settings pages (基础数据): the office only.
    "office_home": "302 200 404 200 404 404 404 404 404",  # /office/
    "policy_new": "302 200 404 200 404 404 404 404 404",  # /policies/new/
    "office_assignments": "302 200 404 200 404 404 404 404 404",  # /office/assignments/
    "office_categories": "302 200 404 200 404 404 404 404 404",  # /office/categories/
    "office_inspections": "302 200 404 200 404 404 404 404 404",  # /office/inspections/
    "office_inspection": "302 200 404 200 404 404 404 404 404",  # /office/inspections/<int:inspection_id>/
    "office_indicators": "302 200 404 200 404 404 404 404 404",  # /office/indicators/
    "office_company_projects": "302 200 404 200 404 404 404 404 404",  # /office/company-projects/
    "office_company_project": "302 200 404 200 404 404 404 404 404",  # /office/company-projects/<project_id>/
    "office_category": "302 200 404 200 404 404 404 404 404",  # /office/categories/<int:category_id>/
    "office_sla": "302 200 404 200 404 404 404 404 404",  # /office/sla/
    "office_sla_rule": "302 200 404 200 404 404 404 404 404",  # /office/sla/<int:policy_id>/
}


def _case() -> Case:
    return Case.objects.get(title=CERTIFICATE_TITLE)


# Each URL parameter, filled with an id of the demo's world (华康's certificate case, its company, …).
def _number(route: str) -> str:
    """A case number fitting the route: a tip for the tips' pages, a consultation item for its page."""
    if route.startswith("/tips/"):
        return str(Tip.objects.order_by("pk").first().case.number)  # type: ignore[union-attr]
    if route.startswith("/consult/"):
        return str(Case.objects.filter(kind="consult").order_by("pk").first().number)  # type: ignore[union-attr]
    return str(_case().number)


SAMPLES: dict[str, Callable[[str], Any]] = {
    "number": lambda route: _number(route),
    "task_id": lambda route: _case().tasks.order_by("pk").first().pk,  # type: ignore[union-attr]
    "attachment_id": lambda route: Attachment.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "company_id": lambda route: Company.objects.get(name="舟山华康生物科技有限公司").pk,
    "project_id": lambda route: (
        (PublicProject if route.startswith("/projects/") else Project).objects.order_by("pk").first().pk  # type: ignore[attr-defined]
    ),
    "session_id": lambda route: ConsultSession.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "programme_id": lambda route: (
        ResearchVisit.objects.order_by("pk").first().programme_id  # type: ignore[union-attr]
        if "visits" in route
        else Programme.objects.order_by("pk").first().pk  # type: ignore[union-attr]
    ),
    "visit_id": lambda route: ResearchVisit.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "car_id": lambda route: ZombieCar.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    # The demo's tips carry no files: a file id nobody may open (404 for every persona, as for a stranger).
    "file_id": lambda route: 999_999,
    "round_id": lambda route: Round.objects.filter(published=True).order_by("pk").first().pk,  # type: ignore[union-attr]
    "point_id": lambda route: Point.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "patrol_id": lambda route: Patrol.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "category_id": lambda route: Category.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "policy_id": lambda route: (
        (SlaPolicy if route.startswith("/office/") else Policy).objects.order_by("pk").first().pk
    ),  # type: ignore[attr-defined]
    "inspection_id": lambda route: Inspection.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
    "slug": lambda route: "patrol-reports",
    "kind": lambda route: "companies",
}


def named_urls() -> dict[str, str]:
    """{name: route} of every named URL outside NOT_PAGES, from the URL configuration itself."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in NOT_PAGES or p.app_name in NOT_PAGES:
                    continue
                walk(p.url_patterns, prefix + str(p.pattern))
            elif (
                isinstance(p, URLPattern)
                and p.name
                and p.name not in NOT_PAGE_NAMES
                and not (prefix + str(p.pattern)).startswith(NOT_PAGE_PREFIXES)
            ):
                found[p.name] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "/")
    return found


def path_of(route: str) -> str:
    """The route with each parameter filled from SAMPLES."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in SAMPLES:
            raise KeyError(
                f"URL 参数 {name} 没有示例：请在 SAMPLES 中加入演示数据里的一个值 / add a sample for {name}"
            )
        return str(SAMPLES[name](route))

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def measure(route: str) -> str:
    path = path_of(route)
    cells = []
    for persona in PERSONAS:
        client = Client()
        if persona != "anonymous":
            client.force_login(User.objects.get(username=persona))
        cells.append(str(client.get(path).status_code))
    return " ".join(cells)


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        demo_world()
        yield
        transaction.set_rollback(True)


def test_every_named_url_has_a_row():
    urls = named_urls()
    missing = sorted(set(urls) - set(MATRIX))
    gone = sorted(set(MATRIX) - set(urls))
    lines = [f'    "{name}": "{measure(urls[name])}",  # {urls[name]}' for name in missing]
    assert not missing and not gone, (
        "tests/hardening/test_url_matrix.py 的 MATRIX 与 URL 配置不一致 / MATRIX does not match the URLs.\n"
        + (
            f"Add these rows (statuses measured now for {' '.join(PERSONAS)}; check each is what that role "
            "should get before pasting):\n" + "\n".join(lines) + "\n"
            if missing
            else ""
        )
        + (f"Remove the rows of URLs that are gone: {', '.join(gone)}\n" if gone else "")
    )


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_the_status_its_row_says(name: str):
    urls = named_urls()
    if name not in urls:
        pytest.skip("URL gone: test_every_named_url_has_a_row says which row to remove")
    expected, got = MATRIX[name].split(), measure(urls[name]).split()
    wrong = [f"{p}: expected {e}, got {g}" for p, e, g in zip(PERSONAS, expected, got, strict=True) if e != g]
    assert not wrong, f"{name} ({path_of(urls[name])}): " + "; ".join(wrong)
