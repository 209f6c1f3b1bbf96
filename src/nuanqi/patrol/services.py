"""Patrols: a walk of a point's checklist, submitted once, whose failures become patrol problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from nuanqi.cases import services as case_services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import Invalid
from nuanqi.cases.models import Case, Category, Channel, LinkType

from .access import SUBJECT, patrollable_points
from .models import CheckItem, Outcome, Patrol, PatrolResult, Point, Topic
from .workflow import CLOSED_OK, PATROL

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

RELAPSE_DAYS = 30
KEY_MAX = 100
NOTE_MAX = 500


def ensure_category(topic: str) -> Category:
    """The engine category of a topic ("垃圾堆放"), a top-level category of the patrol kind."""
    name = str(Topic(topic).label)
    found = Category.objects.filter(kind=PATROL, parent__isnull=True, name=name).first()
    if found is None:
        try:
            with transaction.atomic():
                found = Category.objects.create(kind=PATROL, name=name, sort=list(Topic.values).index(topic))
        except IntegrityError:  # created by a concurrent patrol
            found = Category.objects.get(kind=PATROL, parent__isnull=True, name=name)
    return found


@dataclass
class ItemAnswer:
    item: int
    outcome: str
    note: str = ""
    photo: Any = None


def checklist(point: Point) -> list[CheckItem]:
    return list(
        CheckItem.objects.filter(point_type_id=point.point_type_id, active=True).order_by("sort", "id")
    )


def _check(point: Point, answers: list[ItemAnswer]) -> list[tuple[CheckItem, ItemAnswer]]:
    """Every item of the point's checklist answered once, a failure with a note and a photo."""
    items = {i.pk: i for i in checklist(point)}
    given: dict[int, ItemAnswer] = {}
    for a in answers:
        if a.item not in items:
            raise Invalid(f"检查项 {a.item} 不属于该点位的检查清单", "unknown_item", field="items")
        if a.item in given:
            raise Invalid(f"检查项“{items[a.item].text}”重复填写", "duplicate_item", field="items")
        if a.outcome not in Outcome.values:
            raise Invalid(
                f"检查项“{items[a.item].text}”的结果须为合格、不合格或不适用", "invalid_choice", field="items"
            )
        a.note = (a.note or "").strip()
        if len(a.note) > NOTE_MAX:
            raise Invalid(f"说明不能超过 {NOTE_MAX} 字", "too_long", field="items")
        if a.outcome == Outcome.FAIL and not a.note:
            raise Invalid(f"检查项“{items[a.item].text}”不合格，请说明问题", "missing_field", field="note")
        if a.outcome == Outcome.FAIL and a.photo is None:
            raise Invalid(f"检查项“{items[a.item].text}”不合格，请拍照上传", "missing_field", field="photo")
        given[a.item] = a
    missing = [i.text for pk, i in items.items() if pk not in given]
    if missing:
        raise Invalid(f"还有 {len(missing)} 项未检查：{'、'.join(missing[:3])}", "incomplete", field="items")
    return [(items[pk], given[pk]) for pk in items]


def earlier_failure(point: Point, item: CheckItem, now: Any) -> Case | None:
    """The case of this point and item that was 销号 within the last 30 days, if any: a new failure of it
    is a relapse (复发)."""
    found = (
        PatrolResult.objects.filter(
            item=item,
            patrol__point=point,
            outcome=Outcome.FAIL,
            case__status=CLOSED_OK,
            case__resolved_at__gte=now - timedelta(days=RELAPSE_DAYS),
        )
        .select_related("case")
        .order_by("-case__resolved_at")
        .first()
    )
    return found.case if found else None


def submit_patrol(
    user: User, point_id: Any, answers: list[ItemAnswer], *, key: str, note: str = ""
) -> tuple[Patrol, bool]:
    """Record a patrol and file one patrol problem per failure (the point as subject, the responsible unit
    as lead unit, the photo attached, a relapse linked). Returns (patrol, created): the same key from the
    same person returns the patrol it already made, so a repeated submission is one patrol.
    Raises Point.DoesNotExist (404) for a point the user does not patrol, Invalid for bad input."""
    key = str(key or "").strip()
    if not key:
        raise Invalid("缺少 Idempotency-Key（每次巡查提交一个唯一值）", "missing_idempotency_key")
    if len(key) > KEY_MAX:
        raise Invalid(f"Idempotency-Key 不能超过 {KEY_MAX} 个字符", "invalid_idempotency_key")
    try:
        pk = int(str(point_id))
    except ValueError:
        raise Point.DoesNotExist from None
    point = patrollable_points(user).select_related("responsible_unit", "point_type").get(pk=pk)
    done = Patrol.objects.filter(patroller=user, idempotency_key=key).first()
    if done is not None:
        return done, False
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"备注不能超过 {NOTE_MAX} 字", "too_long", field="note")
    checked = _check(point, answers)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                patrol = Patrol.objects.create(
                    point=point,
                    patroller=user,
                    idempotency_key=key,
                    note=note,
                    submitted_at=now,
                    checklist_version=point.point_type.checklist_version,
                )
        except IntegrityError:  # the same submission, arrived twice at once: the first one made it
            return Patrol.objects.get(patroller=user, idempotency_key=key), False
        for item, answer in checked:
            result = PatrolResult(
                patrol=patrol,
                item=item,
                item_text=item.text,
                item_topic=item.topic,
                outcome=answer.outcome,
                note=answer.note,
            )
            if answer.outcome == Outcome.FAIL:
                result.case, result.relapse = _file_problem(user, point, item, answer, now)
            result.save()
    return patrol, True


def _file_problem(
    user: User, point: Point, item: CheckItem, answer: ItemAnswer, now: Any
) -> tuple[Case, bool]:
    case = case_services.create_case(
        case_services.NewCase(
            kind=PATROL,
            title=f"{point.name}：{answer.note.splitlines()[0][:80]}",
            description=f"检查项：{item.text}\n{answer.note}",
            category=ensure_category(item.topic),
            channel=Channel.PATROL,
            lead_unit=point.responsible_unit,
            subject=SubjectRef(SUBJECT, point.pk, point.name),
            received_at=now,
        ),
        actor=user,
    )
    case_services.attach(case, [answer.photo], actor=user)
    earlier = earlier_failure(point, item, now)
    if earlier is not None:
        case_services.link_cases(case, earlier.number, LinkType.RELAPSE_OF, actor=user)
    return Case.objects.get(pk=case.pk), earlier is not None
