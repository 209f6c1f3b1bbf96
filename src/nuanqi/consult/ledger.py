"""A session's items as a ledger (台账) and back: the export lists every item with its answers and decision;
the import files new items from the same columns, all rows or none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from nuanqi.accounts.models import Role, Unit
from nuanqi.cases.errors import CaseError, Forbidden
from nuanqi.lib.cells import parse_bool, parse_date, parse_prose
from nuanqi.lib.excel import Column, write_ledger
from nuanqi.lib.excel_import import Field, ImportReport, check_row
from nuanqi.lib.excel_template import import_template
from nuanqi.lib.importkinds import all_or_nothing, read_rows

from .access import is_consult_office
from .models import Participant, Session
from .services import (
    NewSession,
    create_session,
    decision_label,
    facts,
    raise_item,
    session_items,
    update_session,
)

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

COLUMNS = (
    Column("编号", 16),
    Column("问题或建议", 40),
    Column("具体内容", 50),
    Column("提出人", 14),
    Column("答复单位", 24),
    Column("状态", 12),
    Column("现场答复", 50),
    Column("书面答复", 50),
    Column("采纳情况", 12),
    Column("落实情况", 40),
    Column("按期书面答复", 12),
)

FIELDS = (
    Field("title", "问题或建议", required=True, max_length=200, example="体育场地设施规划"),
    Field("description", "具体内容", max_length=4000),
    Field("raised_by", "提出人", max_length=60, is_name=True),
    Field("lead_unit", "答复单位", max_length=100, help="系统中单位的全称或简称；留空则暂不交办"),
)


def export_rows(session: Session, cases: Any) -> Iterator[list[Any]]:
    items = session_items(session, cases)
    known = facts(items)
    for c in items:
        f = known[c.pk]
        on_time = "" if f.answered_on_time is None else ("是" if f.answered_on_time else "否")
        yield [
            c.number,
            c.title,
            c.description,
            c.requester_name,
            c.lead_unit.name if c.lead_unit else "",
            c.status_label,
            f.spot_answer,
            f.written_answer,
            decision_label(f.decision),
            f.implemented,
            on_time,
        ]


def write_export(target: IO[bytes], session: Session, cases: Any) -> int:
    return write_ledger(
        target,
        COLUMNS,
        export_rows(session, cases),
        title="协商事项台账",
        notes=[("协商活动", f"{session.held_on:%Y-%m-%d} {session.topic}")],
    )


def write_template(target: IO[bytes]) -> None:
    """Headers only on the data sheet, the answering unit as a dropdown, and a 填写说明 sheet with an
    example row."""
    units = list(Unit.objects.filter(active=True).order_by("name").values_list("name", flat=True))
    wb = import_template(
        "协商事项",
        FIELDS,
        choices={"lead_unit": units},
        examples={"description": "建议在新建小区周边规划篮球场、健身步道", "raised_by": "李某某"},
    )
    wb.save(target)


def _unit(name: str) -> Unit | None:
    return Unit.objects.filter(name=name).first() or Unit.objects.filter(short_name=name).first()


def run_import(session: Session, source: Any, *, actor: User) -> ImportReport:
    """Check every row; file all of them in one transaction only if none is bad (a row refused by the
    engine rolls back the rows filed before it)."""
    report = ImportReport("consult_items")
    rows = read_rows(source, FIELDS, report)
    parsed: list[tuple[int, dict[str, Any], Unit | None]] = []
    for number, raw in rows:
        row = check_row(report, number, raw, FIELDS, {})
        if row is None:
            continue
        unit = None
        if row.get("lead_unit"):
            unit = _unit(row["lead_unit"])
            if unit is None:
                report.add(number, "答复单位", f"找不到单位“{row['lead_unit']}”")
                continue
        parsed.append((number, row, unit))
    if not report.ok:
        return report
    people = {p.name: p for p in Participant.objects.filter(session=session)}
    with all_or_nothing(report):
        for number, row, unit in parsed:
            name = row.get("raised_by") or ""
            try:
                raise_item(
                    session,
                    title=row["title"],
                    description=row.get("description") or "",
                    raised_by=people.get(name),
                    raised_by_name="" if name in people else name,
                    lead_unit=unit,
                    actor=actor,
                )
            except CaseError as exc:
                report.add(number, "问题或建议", exc.message)
            else:
                report.created += 1
    return report


# ---------------------------------------------------------------- the sessions list

SESSION_FIELDS = (
    Field("held_on", "协商日期", required=True, example="2023-03-29"),
    Field(
        "topic",
        "协商主题",
        required=True,
        max_length=200,
        is_name=True,
        example="深化“运动定海”建设 持续提升港城活力",
    ),
    Field("organiser", "组织单位", required=True, max_length=100, help="系统中单位的全称或简称"),
    Field("venue", "地点", max_length=200),
    Field("public", "公开协商成果", help="填“是”或“否”，留空为否"),
    Field("report_summary", "调研报告摘要", max_length=4000),
    Field("minutes", "会议纪要", max_length=20000),
)

SESSION_COLUMNS = (
    Column("协商日期", 12),
    Column("协商主题", 40),
    Column("组织单位", 24),
    Column("地点", 20),
    Column("公开协商成果", 12),
    Column("调研报告摘要", 50),
    Column("会议纪要", 50),
)

_SESSION_PARSERS: dict[str, Any] = {
    "held_on": parse_date,
    "public": parse_bool,
    "report_summary": parse_prose,
    "minutes": parse_prose,
}
# The writer's field names → the template's headers, for a refusal the writer gives on one cell.
_SESSION_HEADERS = {f.key: f.header for f in SESSION_FIELDS}


def session_rows(sessions: Any) -> Iterator[list[Any]]:
    for s in sessions.select_related("organiser"):
        yield [
            s.held_on,
            s.topic,
            s.organiser.name,
            s.venue,
            "是" if s.public else "否",
            s.report_summary,
            s.minutes,
        ]


def write_sessions(target: IO[bytes], sessions: Any) -> int:
    """The sessions list as the viewer sees it (the list has no filters: every session this person may
    read)."""
    return write_ledger(
        target,
        SESSION_COLUMNS,
        session_rows(sessions),
        title="协商活动台账",
        notes=[("范围", "您可查看的全部协商活动")],
    )


def write_sessions_template(target: IO[bytes]) -> None:
    units = list(Unit.objects.filter(active=True).order_by("name").values_list("name", flat=True))
    wb = import_template(
        "协商活动",
        SESSION_FIELDS,
        choices={"organiser": units, "public": ["是", "否"]},
        examples={"organiser": "区政协", "venue": "区政协会议室", "public": "是"},
    )
    wb.save(target)


def run_sessions_import(source: Any, *, actor: User | None) -> ImportReport:
    """New sessions created, and known ones (the same date and topic) updated, through the module's writers;
    every row checked, all applied in one transaction or none."""
    # None is the command line: whoever runs `nuanqi import consult_sessions` operates the server.
    if actor is not None and not is_consult_office(actor):
        raise Forbidden("只有政协工作人员和管理员可以导入协商活动台账")
    report = ImportReport("consult_sessions")
    rows = read_rows(source, SESSION_FIELDS, report)
    parsed: list[tuple[int, dict[str, Any], Unit]] = []
    for number, raw in rows:
        row = check_row(report, number, raw, SESSION_FIELDS, _SESSION_PARSERS)
        if row is None:
            continue
        unit = _unit(row["organiser"])
        if unit is None:
            report.add(number, "组织单位", f"找不到单位“{row['organiser']}”")
            continue
        parsed.append((number, row, unit))
    if not report.ok:
        return report
    writer = actor if actor is not None else _operator()
    with all_or_nothing(report):
        for number, row, unit in parsed:
            texts = {k: row.get(k) or "" for k in ("venue", "report_summary", "minutes")}
            known = Session.objects.filter(held_on=row["held_on"], topic=row["topic"]).first()
            try:
                if known is None:
                    create_session(
                        NewSession(
                            topic=row["topic"],
                            held_on=row["held_on"],
                            organiser=unit,
                            public=bool(row.get("public")),
                            **texts,
                        ),
                        actor=writer,
                    )
                    report.created += 1
                else:
                    update_session(known, actor=writer, public=bool(row.get("public")), **texts)
                    report.updated += 1
            except CaseError as exc:
                report.add(number, _SESSION_HEADERS.get(exc.field or "", "协商主题"), exc.message)
    return report


def _operator() -> User:
    """The command line's writer: the first active administrator (the writers record who acted)."""
    from nuanqi.accounts.models import User as UserModel

    user = UserModel.objects.filter(is_active=True, role_grants__role=Role.ADMIN).order_by("pk").first()
    if user is None:
        raise Forbidden("系统中没有可用的管理员账号")
    return user
