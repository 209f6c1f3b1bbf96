"""Public intake: one path for people without an account, the same shape for every module.

A module opens a kind to the public by giving its `KindSpec` a `PublicIntake`: the public slug
(`/public/<slug>/`, `POST /api/v1/public/<slug>`), the fields of its form, how a submission becomes a
`NewCase`, and what the public may see of the case afterwards. The engine does the rest the same way for
every kind:

- the filer gets a **receipt code** of 16 random digits, shown once; only Argon2id(receipt, the installation's
  secret salt) is stored, under a unique index, so a lookup costs one hash (GlobaLeaks' scheme). The code
  travels only in POST bodies — never in a URL, so never in an access log. The same hash yields a second
  secret, the **receipt key**, which is never stored: a sealed kind (tips) seals its case key to it, so the
  filer reads a sealed case with the receipt alone and a database dump holds nothing that opens it;
- failed lookups and public posts are limited per client (`NUANQI_PUBLIC_THROTTLE`, 429 with `Retry-After`),
  the client's address coming from `nuanqi.clientaddr`;
- a wrong receipt and an unknown one get the same answer;
- the public sees only what `PublicIntake.progress` returns (by default: number, status, dates and the
  messages exchanged) — never internal notes, handler names or other cases.

A sealed kind gives its intake a `SealedIntake`: the module files the case itself (its ciphertext, its keys),
reads the progress and writes the messages, each time with the receipt key; the engine keeps the receipt,
the throttle, the validation and the pages.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from argon2.low_level import Type, hash_secret_raw
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from nuanqi.lib.phone import MESSAGE as PHONE_MESSAGE
from nuanqi.lib.phone import is_phone
from nuanqi.throttle import Throttle

from . import kinds, timeline
from .errors import Invalid
from .models import Case, PublicMessage, PublicReceipt

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

    from .services import NewCase

RECEIPT_DIGITS = 16
MESSAGE_MAX = 2000
T = TypeVar("T")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class PublicField:
    """One input of a public form: `kind` is text, textarea, phone, hidden, choice or multichoice (checkboxes;
    the value is the chosen codes joined by commas). `choices` is a tuple or a callable returning one (choices
    that are data, such as the units a round inspects); with `strict=False` the options are what the form
    offers and the intake's `validate` judges the value (an API client may name a closed round's unit and
    deserves the module's answer, not "invalid choice")."""

    name: str
    label: Any
    kind: str = "text"
    required: bool = True
    max_length: int = 200
    choices: tuple[tuple[str, Any], ...] | Callable[[], tuple[tuple[str, Any], ...]] = ()
    help: Any = ""
    strict: bool = True

    @property
    def options(self) -> tuple[tuple[str, Any], ...]:
        return self.choices() if callable(self.choices) else self.choices


@dataclass(frozen=True)
class Opened:
    """A case opened by its receipt, with the receipt key (a sealed kind's way into its ciphertext)."""

    case: Case
    key: bytes


@dataclass(frozen=True)
class SealedIntake:
    """What a sealed kind's module does where the engine would handle plaintext: `file(values, files, key)`
    files the case (inside the engine's transaction) and seals its key to the receipt key; `progress(opened)`
    is what the filer sees; `message(opened, text, files)` adds the filer's message."""

    file: Callable[[dict[str, str], list[Any], bytes], Case]
    progress: Callable[[Opened], dict[str, Any]]
    message: Callable[[Opened, str, list[Any]], None]


@dataclass(frozen=True)
class PublicIntake:
    slug: str
    title: Any
    intro: Any
    fields: tuple[PublicField, ...]
    # The validated fields → the case to file (kind, title, description, channel …); None for a sealed kind.
    to_case: Callable[[dict[str, str]], NewCase] | None = None
    # What the public may see of its case, beyond the default progress.
    progress: Callable[[Case], dict[str, Any]] | None = None
    # Whether the public may add messages after filing, and photos (with the report and with messages).
    messages: bool = True
    photos: bool = True
    labels: dict[str, Any] = field(default_factory=dict)
    # Checks across fields and against data (open windows, existing units), after each field's own check;
    # returns the values, possibly completed (raises Invalid).
    validate: Callable[[dict[str, str]], dict[str, str]] | None = None
    # For a sealed kind: the module's own filing, reading and messages (see SealedIntake).
    sealed: SealedIntake | None = None


def intake_for(slug: str) -> tuple[kinds.KindSpec, PublicIntake]:
    """The kind open to the public under this slug; Invalid (404 for pages) otherwise."""
    for spec in kinds.all_kinds():
        if spec.public is not None and spec.public.slug == slug:
            return spec, spec.public
    raise kinds.UnknownKind(f"没有名为“{slug}”的公众受理渠道", field="kind")


def throttle() -> Throttle:
    """The one limit on the public paths (pages and API alike): failed lookups and posts per client."""
    return Throttle("public", int(getattr(settings, "NUANQI_PUBLIC_THROTTLE", 20)))


def public_intakes() -> list[tuple[kinds.KindSpec, PublicIntake]]:
    return [(k, k.public) for k in kinds.all_kinds() if k.public is not None]


# ---------------------------------------------------------------- receipts


def new_receipt() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def normalise_receipt(value: Any) -> str:
    """Digits only: people copy receipts with spaces or dashes ("1234 5678 …")."""
    return re.sub(r"[\s\-]", "", str(value or ""))


def receipt_secrets(receipt: str) -> tuple[str, bytes]:
    """(digest, key) from one Argon2id(receipt, the installation's salt) of 64 bytes: the first half, as hex,
    is the stored lookup digest; the second half is the receipt key, never stored. Knowing the digest does not
    give the key (the two halves are separate parts of one BLAKE2b output, RFC 9106 §3.3). The parameters are
    a setting (cheap in tests)."""
    params = settings.NUANQI_RECEIPT_ARGON2
    raw = hash_secret_raw(
        secret=receipt.encode(),
        salt=settings.NUANQI_RECEIPT_SALT.encode(),
        time_cost=int(params["time_cost"]),
        memory_cost=int(params["memory_cost"]),
        parallelism=int(params["parallelism"]),
        hash_len=64,
        type=Type.ID,
    )
    return raw[:32].hex(), raw[32:]


def format_receipt(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


# ---------------------------------------------------------------- validation


def clean_text(value: Any, label: Any, *, max_length: int, required: bool, field_name: str) -> str:
    """Text as a form or the API sent it: trimmed, within its length, no control characters or lone
    surrogates (which the databases cannot store or would store differently)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{label}应为文本", "invalid_text", field=field_name)
    text = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise Invalid(f"{label}含有不可见的控制字符，请删除后重新提交", "invalid_text", field=field_name)
    if required and not text:
        raise Invalid(f"请填写{label}", "missing_field", field=field_name)
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过 {max_length} 字（现有 {len(text)} 字）", "too_long", field=field_name)
    return text


def clean_fields(intake: PublicIntake, data: dict[str, Any]) -> dict[str, str]:
    """The form's values checked against the intake's fields (type, length, choice). Unknown keys are
    refused: a public endpoint takes nothing it did not ask for."""
    known = {f.name for f in intake.fields}
    extra = sorted(set(data) - known)
    if extra:
        raise Invalid(f"不接受的字段：{'、'.join(extra)}", "unknown_field", field=extra[0])
    out: dict[str, str] = {}
    for f in intake.fields:
        value = data.get(f.name)
        if isinstance(value, bool):  # JSON true/false for a yes/no choice
            value = "true" if value else "false"
        if f.kind == "multichoice":
            out[f.name] = _clean_multichoice(f, value)
            continue
        text = clean_text(value, f.label, max_length=f.max_length, required=f.required, field_name=f.name)
        if text and f.kind == "phone" and not is_phone(text):
            raise Invalid(f"{f.label}{PHONE_MESSAGE}", "invalid_phone", field=f.name)
        if text and f.kind == "choice" and f.strict:
            text = _choice(f, text)
        out[f.name] = text
    if intake.validate is not None:
        out = intake.validate(out)
    return out


def _choice(f: PublicField, text: str) -> str:
    options = f.options
    codes = {str(c) for c, _l in options}
    labels = {str(label): str(c) for c, label in options}
    if text in codes:
        return text
    if text in labels:
        return labels[text]
    listed = "、".join(str(label) for _c, label in options)
    raise Invalid(f"{f.label}须为：{listed}", "invalid_choice", field=f.name)


def _clean_multichoice(f: PublicField, value: Any) -> str:
    """Several codes (or labels): a list from JSON or a form, or one comma-separated string."""
    if value is None or value == "":
        items: list[Any] = []
    elif isinstance(value, str):
        items = [v for v in re.split(r"[,，、]", value)]
    elif isinstance(value, list):
        items = value
    else:
        raise Invalid(f"{f.label}应为选项的列表", "invalid_choice", field=f.name)
    chosen: list[str] = []
    for item in items:
        text = clean_text(item, f.label, max_length=f.max_length, required=False, field_name=f.name)
        if text and (code := _choice(f, text)) not in chosen:
            chosen.append(code)
    if f.required and not chosen:
        raise Invalid(f"请选择{f.label}", "missing_field", field=f.name)
    return ",".join(chosen)


# ---------------------------------------------------------------- filing, lookup, messages


@dataclass(frozen=True)
class Filed:
    case: Case
    receipt: str


def _store_public_files(case: Case, owner: Any, files: list[Any], at: datetime) -> list[dict[str, Any]]:
    """Files the public sent, checked and stored like any attachment; their SHA-256 goes into the event."""
    from nuanqi.attachments.services import max_per_event, store

    if len(files) > max_per_event():
        raise Invalid(f"一次最多上传 {max_per_event()} 个文件", "too_many_files", field="file")
    stored = [store(f, owner=owner, actor=None) for f in files]
    return [{"id": a.pk, "name": a.name, "sha256": a.sha256, "size": a.size} for a in stored]


def file_public(
    spec: kinds.KindSpec, intake: PublicIntake, data: dict[str, Any], files: list[Any] | None = None
) -> Filed:
    """Check the submission (and its photos) and file it with a new receipt, all in one transaction:
    nothing is kept when anything is refused."""
    from .services import create_case

    if files and not intake.photos:
        raise Invalid("该渠道不接受上传文件", "files_closed", field="file")
    if spec.sealed != (intake.sealed is not None):
        raise ValueError("a sealed kind files through its SealedIntake, and only a sealed kind does")
    values = clean_fields(intake, data)
    if intake.sealed is not None:
        return _file_sealed(intake.sealed, values, files or [])
    if intake.to_case is None:
        raise ValueError("a public intake of a plain kind needs to_case")
    new = intake.to_case(values)
    if new.kind != spec.code:
        raise ValueError("a public intake files cases of its own kind")

    def write(digest: str, key: bytes) -> Case:
        case = create_case(new, actor=None, public=True)
        PublicReceipt.objects.create(
            case=case,
            digest=digest,
            contact_name=values.get("contact_name", "")[:50],
            contact_phone=values.get("contact_phone", "")[:20],
        )
        if not files:
            return case
        now = timezone.now()
        listed = _store_public_files(case, case, files, now)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        timeline.append(
            locked, actor=None, actor_name="公众", action="attach", changes={"attachments": listed}, at=now
        )
        locked.save(update_fields=list(timeline.HEAD_FIELDS))
        return locked

    case, receipt = _with_receipt(write)
    return Filed(case, receipt)


def _with_receipt(write: Callable[[str, bytes], T]) -> tuple[T, str]:
    """Draw a receipt and run `write(digest, key)` in one transaction; a digest already taken (one in 10^16)
    fails the unique index, and a new receipt is drawn. Returns (what `write` returned, the receipt)."""
    for _attempt in range(5):
        receipt = new_receipt()
        digest, key = receipt_secrets(receipt)
        try:
            with transaction.atomic():
                return write(digest, key), receipt
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a unique receipt")


def _file_sealed(sealed: SealedIntake, values: dict[str, str], files: list[Any]) -> Filed:
    """A sealed kind's filing: the module files and seals with the receipt key; the receipt row keeps no
    contact (the module sealed it)."""

    def write(digest: str, key: bytes) -> Case:
        case = sealed.file(values, files, key)
        PublicReceipt.objects.create(case=case, digest=digest)
        return case

    case, receipt = _with_receipt(write)
    return Filed(case, receipt)


def issue_receipt(case: Case) -> tuple[str, bytes]:
    """A receipt for a case filed by staff on someone's behalf (a tip taken by phone): (receipt, key). The
    caller, inside its transaction, seals what the filer may read to the key."""

    def write(digest: str, key: bytes) -> bytes:
        PublicReceipt.objects.create(case=case, digest=digest)
        return key

    key, receipt = _with_receipt(write)
    return receipt, key


def clock_start(case: Case) -> datetime | None:
    """When the case's first named clock started counting (the next working instant after a filing out of
    hours), or None for a kind without clocks."""
    from .models import CaseClock

    first = CaseClock.objects.filter(case=case).order_by("started_at").first()
    return first.started_at if first else None


def lookup(spec: kinds.KindSpec, receipt: Any) -> Opened | None:
    """The case this receipt opens, of this kind, with its receipt key; None for a wrong, malformed or
    unknown receipt alike. One Argon2id per call."""
    code = normalise_receipt(receipt)
    if not code.isdigit() or not RECEIPT_DIGITS <= len(code) <= 32:
        return None
    digest, key = receipt_secrets(code)
    found = PublicReceipt.objects.select_related("case").filter(digest=digest).first()
    if found is None or found.case.kind != spec.code:
        return None
    return Opened(found.case, key)


def progress(spec: kinds.KindSpec, intake: PublicIntake, opened: Opened) -> dict[str, Any]:
    """What the filer sees: the number, the status in the kind's words, the dates, the messages — and what
    the module adds. Never internal notes, handler names or other cases."""
    if intake.sealed is not None:
        return intake.sealed.progress(opened)
    case = opened.case
    files = _message_file_counts(case)
    messages = [
        {
            "direction": m.direction,
            "text": m.text,
            "at": m.created_at,
            "from": "您" if m.direction == PublicMessage.FROM_PUBLIC else "办理单位",
            # The public sees that its photos arrived, never the files back (nor their EXIF location).
            "files": files.get(m.pk, 0),
        }
        for m in case.public_messages.order_by("id")
    ]
    data: dict[str, Any] = {
        "number": case.number,
        "kind": str(spec.label),
        "status": case.status,
        "status_label": case.status_label,
        "phase": case.phase,
        "received_at": case.received_at,
        "resolved_at": case.resolved_at,
        "messages": messages,
    }
    if intake.progress is not None:
        data.update(intake.progress(case))
    return data


def _message_file_counts(case: Case) -> dict[int, int]:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from nuanqi.attachments.models import Attachment

    ct = ContentType.objects.get_for_model(PublicMessage)
    ids = case.public_messages.values("pk")
    rows = (
        Attachment.objects.filter(owner_type=ct, owner_id__in=ids).values("owner_id").annotate(n=Count("id"))
    )
    return {r["owner_id"]: r["n"] for r in rows}


def add_public_message(
    spec: kinds.KindSpec, intake: PublicIntake, opened: Opened, text: Any, files: list[Any] | None = None
) -> None:
    """A message from the filer (text, a photo, or both): one row and one timeline event, in one
    transaction (a sealed kind's module writes its own ciphertext)."""
    body = clean_text(text, "留言", max_length=MESSAGE_MAX, required=not files, field_name="text")
    if intake.sealed is not None:
        with transaction.atomic():
            intake.sealed.message(opened, body, files or [])
        return
    _plain_message(opened.case, body, files)


def _plain_message(case: Case, body: str, files: list[Any] | None) -> PublicMessage:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if kinds.is_sealed(locked.kind):
            raise Invalid("该类事项的留言须由其模块加密保存", "sealed_plaintext", field="text")
        message = PublicMessage.objects.create(case=locked, direction=PublicMessage.FROM_PUBLIC, text=body)
        now = timezone.now()
        changes: dict[str, Any] = {"message": message.pk}
        if files:
            changes["attachments"] = _store_public_files(locked, message, files, now)
        timeline.notice(
            locked, actor=None, actor_name="公众", action="public_message", changes=changes, at=now
        )
    return message


def reply_public(case: Case, text: Any, *, actor: User) -> PublicMessage:
    """The office's or the lead unit's answer to the filer, shown on the public status page."""
    from .errors import Forbidden, NotAllowedNow
    from .permissions import relations

    body = clean_text(text, "答复", max_length=MESSAGE_MAX, required=True, field_name="text")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not PublicReceipt.objects.filter(case=locked).exists():
            raise NotAllowedNow("该事项不是公众提交的，没有回执可答复", "not_public")
        if not relations(actor, locked) & {"admin", "dispatcher", "owner", "lead_unit"}:
            raise Forbidden("只有受理派单员、责任人或主办单位可以答复公众")
        message = PublicMessage.objects.create(
            case=locked, direction=PublicMessage.TO_PUBLIC, text=body, author=actor
        )
        now = timezone.now()
        timeline.notice(locked, actor=actor, action="public_reply", changes={"message": message.pk}, at=now)
    return message


def json_ready(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items() if k != "messages"
    } | {
        "messages": [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in m.items()}
            for m in data.get("messages", [])
        ]
    }
