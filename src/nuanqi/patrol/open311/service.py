"""Open311 over the patrol kind: the services (checklist topics), filing a request, and the public view of
patrol problems. Every answer here is public: only the fields listed in `request_out` leave the server —
never internal notes, handler names, phone numbers or confidential cases."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from nuanqi.attachments.models import Attachment
from nuanqi.cases import services as case_services
from nuanqi.cases.access import SubjectRef
from nuanqi.cases.errors import CaseError
from nuanqi.cases.kinds import CLOSED, phase_of, status_label
from nuanqi.cases.models import Case, CaseClock, Channel, Event
from nuanqi.lib.numbers import text_problem

from ..access import SUBJECT
from ..models import CheckItem, Open311Key, Open311Report, Point, Topic
from ..workflow import CLOSED_OK, DISMISSED, DUPLICATE, FILED, FIXING, FOUND, ON_HOLD, PATROL, REVIEW

if TYPE_CHECKING:
    from django.http import QueryDict

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when this endpoint's behaviour last changed
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 250
RESULTS_MAX = 1000
SPAN_MAX = timedelta(days=90)
ATTRIBUTE = "check_item"  # the one attribute of every service: which checklist item failed
GROUP = "文明城市"

# FixMyStreet's status words for servicerequestupdates.xml.
UPDATE_STATUS = {
    FOUND: "OPEN",
    FILED: "INVESTIGATING",
    FIXING: "IN_PROGRESS",
    REVIEW: "ACTION_SCHEDULED",
    ON_HOLD: "IN_PROGRESS",
    CLOSED_OK: "FIXED",
    DISMISSED: "NOT_COUNCILS_RESPONSIBILITY",
    DUPLICATE: "DUPLICATE",
}


class Open311Error(Exception):
    """An error answered as the spec's array: 400, 403 (bad key) or 404 (unknown code or id)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------- keys


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_key(name: str) -> tuple[Open311Key, str]:
    """A new key for a client; the key itself is returned once and only its hash kept."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValueError("客户端名称须为 1 至 60 个字符")
    if Open311Key.objects.filter(name=name).exists():
        raise ValueError(f"已有名为“{name}”的客户端")
    raw = "o311_" + secrets.token_urlsafe(32)
    return Open311Key.objects.create(name=name, prefix=raw[:8], key_hash=hash_key(raw)), raw


def key_from(raw: Any) -> Open311Key:
    text = str(raw or "").strip()
    if not text:
        raise Open311Error(403, "api_key 缺失：请向平台管理员申请接口密钥 (api_key is required)")
    key = Open311Key.objects.filter(key_hash=hash_key(text), revoked_at__isnull=True).first()
    if key is None:
        raise Open311Error(403, "api_key 无效或已吊销 (invalid api_key)")
    return key


# ---------------------------------------------------------------- services


def _items(topic: str) -> list[CheckItem]:
    return list(
        CheckItem.objects.filter(topic=topic, active=True, point_type__active=True)
        .select_related("point_type")
        .order_by("point_type__sort", "sort", "id")
    )


def topic_of(code: Any) -> Topic:
    try:
        return Topic(str(code or ""))
    except ValueError:
        raise Open311Error(404, f"没有编码为“{code}”的服务 (unknown service_code)") from None


def services() -> list[dict[str, Any]]:
    with_items = set(CheckItem.objects.filter(active=True).values_list("topic", flat=True))
    return [
        {
            "service_code": t.value,
            "service_name": str(t.label),
            "description": f"文明城市点位问题：{t.label}",
            "metadata": t.value in with_items,
            "type": "realtime",
            "keywords": str(t.label),
            "group": GROUP,
        }
        for t in Topic
    ]


def definition(code: Any) -> dict[str, Any]:
    topic = topic_of(code)
    items = _items(topic.value)
    attributes = []
    if items:
        attributes.append(
            {
                "variable": True,
                "code": ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "检查清单中不合格的一项",
                "order": 1,
                "description": "检查项",
                "values": [{"key": str(i.pk), "name": f"{i.point_type.name}：{i.text}"} for i in items],
            }
        )
    return {"service_code": topic.value, "attributes": attributes}


# ---------------------------------------------------------------- POST requests


def _text(data: QueryDict, name: str, max_length: int) -> str:
    value = (data.get(name) or "").strip()
    if len(value) > max_length:
        raise Open311Error(400, f"{name} 不能超过 {max_length} 个字符 ({name} is too long)")
    problem = text_problem(value)
    if problem is not None:
        raise Open311Error(400, f"{name}：{problem}")
    return value


def _coordinate(data: QueryDict, name: str, bound: int) -> Decimal:
    try:
        value = Decimal(str(data.get(name)).strip())
    except InvalidOperation:
        raise Open311Error(400, f"{name} 应为数字（WGS-84 度）({name} must be a number)") from None
    if not value.is_finite() or not -bound <= value <= bound:
        raise Open311Error(400, f"{name} 超出范围 ±{bound} ({name} is out of range)")
    return value.quantize(Decimal("0.000001"))


@dataclass
class Location:
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address: str = ""
    point: Point | None = None

    @property
    def words(self) -> str:
        if self.point is not None:
            return self.point.address or self.point.name
        if self.address:
            return self.address
        return f"{self.latitude},{self.longitude}"


def _location(data: QueryDict) -> Location:
    """One of the spec's three forms: `lat` and `long` (WGS-84), `address_string`, or `address_id` (the id
    of one of our points)."""
    loc = Location(address=_text(data, "address_string", ADDRESS_MAX))
    has_lat, has_long = bool(data.get("lat", "").strip()), bool(data.get("long", "").strip())
    if has_lat != has_long:
        raise Open311Error(400, "lat 与 long 须同时提供 (lat and long go together)")
    if has_lat:
        loc.latitude = _coordinate(data, "lat", 90)
        loc.longitude = _coordinate(data, "long", 180)
    address_id = (data.get("address_id") or "").strip()
    if address_id:
        point = Point.objects.select_related("responsible_unit").filter(
            pk=int(address_id) if address_id.isdigit() else -1, active=True
        )
        loc.point = point.first()
        if loc.point is None:
            raise Open311Error(400, f"address_id “{address_id}”不是本平台的点位 (unknown address_id)")
    if loc.point is None and not loc.address and loc.latitude is None:
        raise Open311Error(
            400, "缺少位置：请提供 lat 和 long、address_string 或 address_id (a location is required)"
        )
    return loc


def _attributes(data: QueryDict, topic: Topic) -> dict[str, str]:
    given = {
        k[len("attribute[") : -1]: str(data.get(k) or "").strip()
        for k in data
        if k.startswith("attribute[") and k.endswith("]")
    }
    known = {str(i.pk) for i in _items(topic.value)}
    for code, value in given.items():
        if code != ATTRIBUTE or not known:
            raise Open311Error(400, f"服务“{topic.value}”没有属性“{code}” (unknown attribute)")
        if value and value not in known:
            raise Open311Error(400, f"属性 {code} 的取值“{value}”不在服务定义中 (invalid attribute value)")
    return {k: v for k, v in given.items() if v}


def _media_url(data: QueryDict) -> str:
    url = _text(data, "media_url", 1000)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise Open311Error(400, "media_url 应为 http(s) 网址 (media_url must be a URL)") from None
    return url


def file_request(data: QueryDict) -> Case:
    """File a POSTed report as a patrol problem at 发现 (checked whole before anything is written)."""
    key = key_from(data.get("api_key"))
    topic = topic_of(data.get("service_code"))
    loc = _location(data)
    description = _text(data, "description", DESCRIPTION_MAX)
    attributes = _attributes(data, topic)
    media_url = _media_url(data)
    email = _text(data, "email", 200)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, "email 格式不正确 (invalid email)") from None
    name = f"{_text(data, 'last_name', 50)}{_text(data, 'first_name', 50)}"
    phone = _text(data, "phone", 40)
    device_id, account_id = _text(data, "device_id", 100), _text(data, "account_id", 100)
    from ..services import ensure_category

    point = loc.point
    lines = [description or str(topic.label), f"地点：{loc.words}"]
    if attributes.get(ATTRIBUTE):
        item = CheckItem.objects.get(pk=int(attributes[ATTRIBUTE]))
        lines.insert(1, f"检查项：{item.text}")
    with transaction.atomic():
        try:
            case = case_services.create_case(
                case_services.NewCase(
                    kind=PATROL,
                    title=f"{topic.label}：{loc.words}"[:200],
                    description="\n".join(lines),
                    category=ensure_category(topic.value),
                    channel=Channel.ONLINE,
                    requester_name=name,
                    requester_phone=phone,
                    subject=SubjectRef(SUBJECT, point.pk, point.name) if point else None,
                    lead_unit=point.responsible_unit if point else None,
                ),
                actor=None,
                public=True,
            )
        except CaseError as exc:
            raise Open311Error(400, exc.message) from None
        Open311Report.objects.create(
            case=case,
            client=key,
            latitude=loc.latitude,
            longitude=loc.longitude,
            address_string=loc.address,
            point=point,
            media_url=media_url,
            attributes=attributes,
            email=email,
            device_id=device_id,
            account_id=account_id,
        )
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return case


# ---------------------------------------------------------------- GET requests


def when(dt: datetime | None) -> str | None:
    """ISO-8601 with the +08:00 offset (Asia/Shanghai)."""
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _instant(data: QueryDict, name: str) -> datetime | None:
    text = (data.get(name) or "").strip()
    if not text:
        return None
    parsed = parse_datetime(text.replace(" ", "+"))  # a "+" sent unescaped in a query arrives as a space
    if parsed is None:
        day = parse_date(text)
        parsed = datetime(day.year, day.month, day.day) if day else None
    if parsed is None:
        raise Open311Error(400, f"{name} 应为 W3C 日期时间，如 2026-01-01T00:00:00+08:00 ({name} format)")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def public_cases() -> QuerySet[Case]:
    """The patrol problems the public may see: every one that is not confidential."""
    return Case.objects.filter(kind=PATROL, confidential=False)


def find_requests(data: QueryDict) -> list[dict[str, Any]]:
    """GET requests: by `service_request_id` (comma-delimited; overrides the rest), or by `service_code`,
    `status` (open, closed) and `start_date`/`end_date` (at most 90 days; the last 90 by default); the
    newest first, at most 1,000."""
    qs = public_cases()
    ids = [s.strip() for s in (data.get("service_request_id") or "").split(",") if s.strip()]
    if ids:
        qs = qs.filter(number__in=ids[:RESULTS_MAX])
    else:
        codes = [s.strip() for s in (data.get("service_code") or "").split(",") if s.strip()]
        if codes:
            qs = qs.filter(category__name__in=[str(topic_of(c).label) for c in codes])
        statuses = {s.strip() for s in (data.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status 只能是 open 或 closed (status must be open or closed)")
        if len(statuses) == 1:
            from ..workflow import PATROL_KIND

            closed = PATROL_KIND.status_codes(CLOSED)
            qs = qs.filter(status__in=closed) if "closed" in statuses else qs.exclude(status__in=closed)
        end = _instant(data, "end_date") or timezone.now()
        start = _instant(data, "start_date") or end - SPAN_MAX
        if start > end:
            raise Open311Error(400, "start_date 晚于 end_date (start_date is after end_date)")
        if end - start > SPAN_MAX:
            raise Open311Error(400, "日期范围不能超过 90 天 (the date range may not span more than 90 days)")
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
    return fetch(qs)


PUBLIC_COLUMNS = (
    "pk",
    "number",
    "kind",
    "status",
    "title",
    "received_at",
    "updated_at",
    "subject_type",
    "subject_id",
    "category__name",
    "lead_unit__name",
    "open311__latitude",
    "open311__longitude",
    "open311__address_string",
    "open311__point_id",
    "open311__media_url",
)


def fetch(qs: QuerySet[Case]) -> list[dict[str, Any]]:
    """The public columns of the newest cases (at most 1,000), as plain rows: building a model object for
    each of 1,000 cases costs more than the queries do."""
    return list(qs.order_by("-received_at", "-id").values(*PUBLIC_COLUMNS)[:RESULTS_MAX])


def _photos(ids: list[int]) -> dict[int, int]:
    """The first photo (with a thumbnail) of each case: its id, for our own EXIF-free thumbnail."""
    ct = ContentType.objects.get_for_model(Case)
    rows = (
        Attachment.objects.filter(owner_type=ct, owner_id__in=ids, mime__startswith="image/")
        .exclude(thumbnail="")
        .order_by("owner_id", "id")
        .values_list("owner_id", "pk")
    )
    first: dict[int, int] = {}
    for owner_id, pk in rows:
        first.setdefault(owner_id, pk)
    return first


def requests_out(cases: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    """The public fields of each case (rows from `fetch`), in the spec's words. `base` is the absolute
    `/open311/v2/` URL."""
    ids = [c["pk"] for c in cases]
    point_ids = {c["subject_id"] for c in cases if c["subject_type"] == SUBJECT and c["subject_id"]}
    point_ids |= {c["open311__point_id"] for c in cases if c["open311__point_id"]}
    points = {p.pk: p for p in Point.objects.filter(pk__in=point_ids)}
    photos = _photos(ids)
    # The running 整改 clock's deadline is the expected date (none before 派遣 or after 销号).
    due = dict(
        CaseClock.objects.filter(case_id__in=ids, name="fix", stopped_at__isnull=True).values_list(
            "case_id", "due_at"
        )
    )
    topics = {str(t.label): t.value for t in Topic}
    out = []
    for c in cases:
        point = points.get(c["subject_id"] or 0) if c["subject_type"] == SUBJECT else None
        if point is None and c["open311__point_id"]:
            point = points.get(c["open311__point_id"])
        lat, lon = c["open311__latitude"], c["open311__longitude"]
        if lat is None and point is not None and point.latitude is not None:
            lat, lon = point.latitude, point.longitude
        address = c["open311__address_string"] or ((point.address or point.name) if point else "")
        category = c["category__name"] or ""
        row: dict[str, Any] = {
            "service_request_id": c["number"],
            "status": "closed" if phase_of(c["kind"], c["status"]) == CLOSED else "open",
            "status_notes": status_label(c["kind"], c["status"]),
            "service_name": category,
            "service_code": topics.get(category, "other"),
            "description": c["title"],
            "agency_responsible": c["lead_unit__name"] or "",
            "service_notice": "",
            "requested_datetime": when(c["received_at"]),
            "updated_datetime": when(c["updated_at"]),
            "address": address,
            "address_id": str(point.pk) if point else "",
            "zipcode": "",
        }
        if c["pk"] in due:
            row["expected_datetime"] = when(due[c["pk"]])
        if lat is not None and lon is not None:
            row["lat"], row["long"] = float(lat), float(lon)
        if c["pk"] in photos:
            row["media_url"] = f"{base}media/{photos[c['pk']]}.jpg"
        elif c["open311__media_url"]:
            row["media_url"] = c["open311__media_url"]
        out.append(row)
    return out


def public_photo(attachment_id: int) -> Attachment:
    """A photo of a public patrol problem, for its thumbnail; DoesNotExist (404) for anything else."""
    ct = ContentType.objects.get_for_model(Case)
    attachment = Attachment.objects.get(pk=attachment_id, owner_type=ct, mime__startswith="image/")
    if not attachment.thumbnail or not public_cases().filter(pk=attachment.owner_id).exists():
        raise Attachment.DoesNotExist
    return attachment


# ---------------------------------------------------------------- servicerequestupdates.xml


def updates(data: QueryDict) -> list[dict[str, Any]]:
    """FixMyStreet's extension: the status changes of public patrol problems between `start_date` and
    `end_date` (the last day by default, at most 90 days), oldest first, at most 1,000. Only the status in
    the kind's words goes out, never the reason an officer typed."""
    key_from(data.get("api_key"))
    end = _instant(data, "end_date") or timezone.now()
    start = _instant(data, "start_date") or end - timedelta(days=1)
    if start > end or end - start > SPAN_MAX:
        raise Open311Error(400, "日期范围须在 90 天以内且起点不晚于终点 (bad date range)")
    events = (
        Event.objects.filter(case__in=public_cases(), at__gte=start, at__lte=end)
        .exclude(to_status="")
        .select_related("case")
        .order_by("at", "id")[:RESULTS_MAX]
    )
    return [
        {
            "update_id": str(e.pk),
            "service_request_id": e.case.number,
            "status": UPDATE_STATUS.get(e.to_status, "OPEN"),
            "updated_datetime": when(e.at),
            "description": status_label(PATROL, e.to_status),
            "media_url": "",
        }
        for e in events
    ]
