"""The only writers of tips: filing (online through the engine's public intake, or registered by a group
member for a phone call, a letter, an e-mail or a visit), reading (each read logged), replying to the
reporter, the lifecycle's actions with sealed notes, 存查 of a repeat, and the custodian's release of an
identity.

Plaintext exists only in memory, inside a request: the tip's content, messages, notes, files and file names
are encrypted with the tip's key before they reach the database or the disk (docs/tips-keys.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from nuanqi.cases import links, public, timeline
from nuanqi.cases.errors import Forbidden, Invalid, NotAllowedNow, NotFound
from nuanqi.cases.lifecycle import skip_clock
from nuanqi.cases.models import Case, LinkType
from nuanqi.cases.services import NewCase, create_case, perform
from nuanqi.lib.filetypes import RefusedFile, detect_bytes

from . import crypto, keys
from .access import eligible_members, is_group_leader, visible_tips
from .models import (
    GroupMember,
    InspectionGroup,
    MemberKey,
    Round,
    Tip,
    TipChannel,
    TipFile,
    TipMessage,
    TipRead,
    TipShare,
)
from .workflow import TIP

if TYPE_CHECKING:
    from nuanqi.accounts.models import Unit, User

CONTENT_MAX = 10_000
KEY_LOCKED = gettext_lazy("密钥未解锁：请退出后重新登录")
NOTE_MAX = 2_000


@dataclass
class TipInput:
    group: InspectionGroup
    target_unit: Unit
    disciplines: list[str]
    content: str
    accused_post: str = ""
    accused_name: str = ""
    named: bool = False
    name: str = ""
    phone: str = ""
    channel: str = TipChannel.ONLINE
    received_at: datetime | None = None
    files: list[Any] = field(default_factory=list)


# ---------------------------------------------------------------- filing


def group_ready(group: InspectionGroup) -> bool:
    """Whether anyone could read a tip sealed now: a member with a key, or the deployment's escrow key."""
    return (
        MemberKey.objects.filter(user__inspection_groups=group).exists()
        or keys.escrow_public_key() is not None
    )


def _read_upload(upload: Any) -> tuple[str, bytes]:
    """An upload read into memory (never spooled to disk in clear), checked by content."""
    from nuanqi.attachments.services import clean_name, max_bytes

    limit = max_bytes()
    if getattr(upload, "size", 0) > limit:
        raise Invalid(
            f"文件超过 {limit / 1048576:g} MB 的上限，请压缩后再上传", "file_too_large", field="file"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise Invalid(
            f"文件超过 {limit / 1048576:g} MB 的上限，请压缩后再上传", "file_too_large", field="file"
        )
    try:
        ftype = detect_bytes(data)
    except RefusedFile as exc:
        raise Invalid(exc.message, exc.code, field="file") from None
    return clean_name(getattr(upload, "name", "") or f"附件{ftype.extension}"), data


def _store_files(tip: Tip, tip_key: bytes, uploads: list[Any], message: TipMessage | None) -> int:
    from nuanqi.attachments.services import max_per_event

    if len(uploads) > max_per_event():
        raise Invalid(f"一次最多上传 {max_per_event()} 个文件", "too_many_files", field="file")
    read = [_read_upload(u) for u in uploads]
    for name, data in read:
        blob = crypto.encrypt(tip_key, data)
        row = TipFile(
            tip=tip, message=message, sealed_name=crypto.encrypt(tip_key, name.encode()), size=len(blob)
        )
        # A random name: the stored file says nothing of the tip or of the original name.
        row.blob.save(f"{uuid.uuid4().hex}.bin", ContentFile(blob), save=False)
        row.save()
    return len(read)


def file_tip(inp: TipInput, *, actor: User | None, receipt_key: bytes | None) -> Case:
    """File a tip: the case (sealed), its metadata, its keys sealed to the group (and escrow), the identity
    sealed to the leader, the files encrypted. The caller holds a transaction (the engine's intake, or
    `register_tip`); `receipt_key` wraps the tip key for the reporter."""
    return _file(inp, actor, receipt_key)[0]


def _file(inp: TipInput, actor: User | None, receipt_key: bytes | None) -> tuple[Case, bytes]:
    if not group_ready(inp.group):
        raise NotAllowedNow(
            f"{inp.group.label}尚未开通网上举报，请通过举报电话 {inp.group.phone} 或来信反映",
            "group_not_ready",
        )
    tip_key = crypto.new_key()
    identity_key = crypto.new_key() if inp.named else None
    sealed = crypto.encrypt_json(
        tip_key,
        {"content": inp.content, "accused_post": inp.accused_post, "accused_name": inp.accused_name},
    )
    case = create_case(
        NewCase(kind=TIP, sealed=sealed, received_at=inp.received_at), actor=actor, public=actor is None
    )
    tip = Tip.objects.create(
        case=case,
        round=inp.group.round,
        group=inp.group,
        target_unit=inp.target_unit,
        disciplines=inp.disciplines,
        named=inp.named,
        channel=inp.channel,
        receipt_share=crypto.encrypt(receipt_key, tip_key) if receipt_key else None,
        identity=(
            crypto.encrypt_json(identity_key, {"name": inp.name, "phone": inp.phone})
            if identity_key
            else None
        ),
    )
    # The filing event was fanned out before the tip row named its group (nobody to tell then): now.
    from nuanqi.notify.outbox import fan_out

    fan_out(case.events.get(action="create"), case)
    if not inp.named:
        skip_clock(case, "tell_accept")  # nobody to tell: an anonymous reporter reads the receipt page
    keys.seal_tip_key(tip, tip_key, identity_key)
    if inp.files:
        count = _store_files(tip, tip_key, inp.files, None)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        timeline.notice(
            locked,
            actor=actor,
            actor_name=None if actor else "举报人",
            action="attach",
            changes={"files": count},
            at=timezone.now(),
        )
    return case, tip_key


def register_tip(inp: TipInput, *, actor: User, issue_receipt: bool = True) -> tuple[Case, str]:
    """A tip taken by a group member (phone, letter, e-mail, visit): filed like an online one, with a receipt
    the member gives the reporter (or none, for a letter without a return channel).
    Returns (case, receipt)."""
    if not GroupMember.objects.filter(group=inp.group, user=actor).exists():
        raise Forbidden("只有本巡察组成员可以登记本组的举报")
    if actor.unit_id and actor.unit_id == inp.target_unit.pk:
        raise Forbidden("您所在单位是被举报单位，须回避")
    receipt = ""
    with transaction.atomic():
        case, tip_key = _file(inp, actor, None)
        if issue_receipt:
            receipt, key = public.issue_receipt(case)
            Tip.objects.filter(case=case).update(receipt_share=crypto.encrypt(key, tip_key))
    return case, receipt


# ---------------------------------------------------------------- the reporter (receipt key)


def _receipt_tip_key(opened: public.Opened) -> tuple[Tip, bytes]:
    tip = Tip.objects.select_related("group", "round").get(case=opened.case)
    if tip.receipt_share is None:
        raise NotFound("回执码不正确，或该事项不存在", "receipt_not_found")
    try:
        return tip, crypto.decrypt(opened.key, bytes(tip.receipt_share))
    except crypto.Unreadable:
        raise NotFound("回执码不正确，或该事项不存在", "receipt_not_found") from None


def reporter_progress(opened: public.Opened) -> dict[str, Any]:
    """What the reporter sees with the receipt: status, dates, the group's replies and his messages."""
    tip, tip_key = _receipt_tip_key(opened)
    case = opened.case
    files: dict[int, int] = {}
    for f in TipFile.objects.filter(tip=tip, message__isnull=False).values_list("message_id", flat=True):
        files[f] = files.get(f, 0) + 1
    messages = [
        {
            "direction": m.direction,
            "text": crypto.decrypt(tip_key, bytes(m.sealed)).decode(),
            "at": m.created_at,
            "from": "您" if m.direction == TipMessage.FROM_PUBLIC else tip.group.label,
            "files": files.get(m.pk, 0),
        }
        for m in TipMessage.objects.filter(tip=tip)
    ]
    return {
        "number": case.number,
        "kind": "巡察举报",
        "status": case.status,
        "status_label": case.status_label,
        "phase": case.phase,
        "received_at": case.received_at,
        "resolved_at": case.resolved_at,
        "group": tip.group.label,
        "messages": messages,
    }


def reporter_message(opened: public.Opened, text: str, files: list[Any]) -> None:
    """The reporter's message (and files), sealed with the tip key the receipt opens."""
    tip, tip_key = _receipt_tip_key(opened)
    locked = Case.objects.select_for_update().get(pk=opened.case.pk)
    message = TipMessage.objects.create(
        tip=tip, direction=TipMessage.FROM_PUBLIC, sealed=crypto.encrypt(tip_key, text.encode())
    )
    count = _store_files(tip, tip_key, files, message) if files else 0
    timeline.notice(
        locked,
        actor=None,
        actor_name="举报人",
        action="public_message",
        changes={"files": count},
        at=timezone.now(),
    )


# ---------------------------------------------------------------- members


@dataclass
class Opened:
    """A tip opened by a member: its key and what it says (each read is logged by `open_tip`)."""

    tip: Tip
    key: bytes
    content: dict[str, str]


def member_tip(user: User, number: str) -> Tip:
    """The tip, if this person may know of it; NotFound (404) otherwise."""
    tip = visible_tips(user).filter(case__number=number).first()
    if tip is None:
        raise NotFound("没有这条举报", "not_found")
    return tip


def open_tip(user: User, tip: Tip, private: bytes | None) -> Opened:
    """Decrypt the tip with the member's share and log the read. NotAllowedNow when the member's key is
    not unlocked or holds no share yet (a new member, a reset password: another member re-seals)."""
    if private is None:
        raise NotAllowedNow(str(KEY_LOCKED), "key_locked")
    tip_key = keys.open_share(tip, user, private)
    if tip_key is None:
        raise NotAllowedNow("您的密钥还没有这条举报的授权，待本组其他成员登录后自动授权", "no_share")
    content = crypto.decrypt_json(tip_key, bytes(tip.case.sealed or b""))
    TipRead.objects.create(tip=tip, user=user, what=TipRead.CONTENT)
    return Opened(tip, tip_key, content)


def decrypt_note(tip_key: bytes, blob: Any) -> str:
    if not blob:
        return ""
    try:
        return crypto.decrypt(tip_key, bytes(blob)).decode()
    except crypto.Unreadable:
        return "（无法解密）"


def messages_of(opened: Opened) -> list[dict[str, Any]]:
    files: dict[int, list[TipFile]] = {}
    for f in TipFile.objects.filter(tip=opened.tip, message__isnull=False):
        files.setdefault(f.message_id or 0, []).append(f)
    return [
        {
            "direction": m.direction,
            "text": decrypt_note(opened.key, m.sealed),
            "at": m.created_at,
            "author": m.author,
            "files": [(f.pk, decrypt_note(opened.key, f.sealed_name)) for f in files.get(m.pk, [])],
        }
        for m in TipMessage.objects.filter(tip=opened.tip).select_related("author")
    ]


def files_of(opened: Opened) -> list[tuple[int, str, int]]:
    """(id, name, size) of the files that came with the tip itself."""
    return [
        (f.pk, decrypt_note(opened.key, f.sealed_name), f.size)
        for f in TipFile.objects.filter(tip=opened.tip, message__isnull=True).order_by("id")
    ]


def read_file(user: User, opened: Opened, file_id: int) -> tuple[str, bytes]:
    f = TipFile.objects.filter(tip=opened.tip, pk=file_id).first()
    if f is None:
        raise NotFound("没有这个附件", "not_found")
    with f.blob.open("rb") as fh:
        data = crypto.decrypt(opened.key, fh.read())
    TipRead.objects.create(tip=opened.tip, user=user, what=TipRead.FILE, detail=str(file_id))
    return decrypt_note(opened.key, f.sealed_name), data


def _note(text: Any, label: str, *, required: bool) -> str:
    return public.clean_text(text, label, max_length=NOTE_MAX, required=required, field_name="note")


def reply(user: User, opened: Opened, text: Any, *, tells: str = "") -> None:
    """A reply to the reporter, shown on the receipt page; `tells` ("accept" or "result") marks it as the
    notice of acceptance or of the result, which stops that clock."""
    body = _note(text, "答复", required=True)
    if tells not in ("", "accept", "result"):
        raise Invalid("告知类型无效", "invalid_choice", field="tells")
    if opened.tip.receipt_share is None:
        raise NotAllowedNow("这条举报没有回执码，举报人无法在线查看答复", "no_receipt")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=opened.tip.case_id)
        TipMessage.objects.create(
            tip=opened.tip,
            direction=TipMessage.TO_PUBLIC,
            author=user,
            sealed=crypto.encrypt(opened.key, body.encode()),
        )
        timeline.notice(case, actor=user, action="public_reply", changes={}, at=timezone.now())
        if tells:
            perform(case, f"tell_{tells}", actor=user, version=case.version)


def act(user: User, opened: Opened, action: str, note: Any, *, version: Any, original: str = "") -> Case:
    """A lifecycle action with its note sealed. 转办 needs the note (to whom and why); 存查 names the earlier
    tip it repeats."""
    required = action in ("transfer", "file_repeat")
    text = _note(note, "说明", required=required)
    sealed = crypto.encrypt(opened.key, text.encode()) if text else None
    with transaction.atomic():
        if action == "file_repeat":
            earlier = member_tip(user, str(original or "").strip()) if original else None
            if earlier is None:
                raise Invalid("请填写所重复的举报编号", "missing_field", field="original")
            if earlier.pk == opened.tip.pk or earlier.case.received_at > opened.tip.case.received_at:
                raise Invalid("只能关联到更早的举报", "invalid_link", field="original")
            locked = Case.objects.select_for_update().get(pk=opened.tip.case_id)
            links.record_link(locked, earlier.case, LinkType.REPEAT_OF, user, timezone.now())
            locked.save(update_fields=["event_count", "event_head"])
            case = perform(locked, action, actor=user, version=version, sealed=sealed)
        else:
            case = perform(opened.tip.case, action, actor=user, version=version, sealed=sealed)
        if action == "transfer":
            Tip.objects.filter(pk=opened.tip.pk).update(in_scope=False)
        elif action in ("accept", "conclude"):
            Tip.objects.filter(pk=opened.tip.pk, in_scope__isnull=True).update(in_scope=True)
    return case


# ---------------------------------------------------------------- identity (the custodian)


def read_identity(user: User, opened: Opened, private: bytes) -> dict[str, str]:
    """The named reporter's name and phone, for the leader or a member the leader released it to; logged."""
    if opened.tip.identity is None:
        raise NotAllowedNow("这是匿名举报", "anonymous")
    identity_key = keys.open_share(opened.tip, user, private, TipShare.IDENTITY)
    if identity_key is None:
        raise Forbidden("举报人身份只对组长开放，或由组长授权后查看")
    TipRead.objects.create(tip=opened.tip, user=user, what=TipRead.IDENTITY)
    return dict(crypto.decrypt_json(identity_key, bytes(opened.tip.identity)))


def release_identity(leader: User, opened: Opened, private: bytes, member_id: Any, reason: Any) -> None:
    """The leader seals the identity key to one member, with a reason on the timeline (sealed): a
    cryptographic release, recorded."""
    why = _note(reason, "授权理由", required=True)
    if not is_group_leader(leader, opened.tip):
        raise Forbidden("只有组长可以授权查看举报人身份")
    if opened.tip.identity is None:
        raise NotAllowedNow("这是匿名举报", "anonymous")
    member = eligible_members(opened.tip).filter(user_id=_int(member_id)).exclude(user=leader).first()
    if member is None:
        raise Invalid("请选择本组的另一名成员", "invalid_choice", field="member")
    mk = MemberKey.objects.filter(user_id=member.user_id).first()
    if mk is None:
        raise NotAllowedNow("该成员还没有密钥：请其先登录一次", "no_key")
    identity_key = keys.open_share(opened.tip, leader, private, TipShare.IDENTITY)
    if identity_key is None:
        raise Forbidden("您的密钥没有这条举报的身份授权")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=opened.tip.case_id)
        TipShare.objects.create(
            tip=opened.tip,
            user_id=member.user_id,
            purpose=TipShare.IDENTITY,
            public_key=bytes(mk.public_key),
            sealed=crypto.seal(bytes(mk.public_key), identity_key),
        )
        timeline.notice(
            case,
            actor=leader,
            action="identity_release",
            changes={"to": member.user.display_name or member.user.username},
            at=timezone.now(),
            sealed=crypto.encrypt(opened.key, why.encode()),
        )


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def current_round_for(unit: Unit, round_id: int | None = None) -> tuple[Round, InspectionGroup] | None:
    """The published round (and its group) inspecting `unit`: the given round, else the one whose window
    includes today, else the latest."""
    groups = InspectionGroup.objects.filter(target_units=unit, round__published=True).select_related("round")
    if round_id is not None:
        groups = groups.filter(round_id=round_id)
    today = timezone.localdate()
    found = list(groups.order_by("-round__window_start"))
    if not found:
        return None
    for g in found:
        if g.round.is_open_on(today):
            return g.round, g
    return found[0].round, found[0]
