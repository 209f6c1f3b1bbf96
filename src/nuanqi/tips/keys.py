"""Members' keys: made, unlocked at login, carried through a session, recovered after a password reset.

- A member's key pair is made at the first login as a member (or by `ensure_member_key`, which the demo and
  the tests use); the private key is wrapped with Argon2id(password) (`crypto.password_key`).
- At login the password unlocks the private key. The session stores it only wrapped again with a random
  session key, which lives in an HttpOnly cookie (`nq_tipkey`): the database (sessions included) holds
  nothing that opens a tip; the server reads one only while serving that member's request.
- A reset password no longer opens the old private key: the member gets a new pair at the next login, and
  the tips are sealed to it again by another member of the group (at that member's next login or page
  view), or from the escrow key with `nuanqi tips escrow reseal` (docs/tips-keys.md).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import crypto
from .models import GroupMember, MemberKey, Tip, TipShare

if TYPE_CHECKING:
    from nuanqi.accounts.models import User

COOKIE = "nq_tipkey"
SESSION_FIELD = "tips_wrapped_key"


def is_member(user: User) -> bool:
    return GroupMember.objects.filter(user=user).exists()


def ensure_member_key(user: User, password: str) -> bytes:
    """The member's private key, unlocked with `password`; a new pair when there is none, or when the
    password no longer opens the old one (a reset). Returns the private key (32 bytes)."""
    mk = MemberKey.objects.filter(user=user).first()
    if mk is not None:
        try:
            key = crypto.password_key(password, bytes(mk.salt), mk.opslimit, mk.memlimit)
            return crypto.decrypt(key, bytes(mk.wrapped_private))
        except crypto.Unreadable:
            pass
    private, public = crypto.new_keypair()
    salt = crypto.new_salt()
    ops, mem = crypto.kdf_params()
    wrapped = crypto.encrypt(crypto.password_key(password, salt, ops, mem), private)
    with transaction.atomic():
        if mk is None:
            MemberKey.objects.create(
                user=user, public_key=public, wrapped_private=wrapped, salt=salt, opslimit=ops, memlimit=mem
            )
        else:
            # The old shares were sealed to a key nobody holds any more: drop them; the group re-seals.
            TipShare.objects.filter(user=user).delete()
            MemberKey.objects.filter(pk=mk.pk).update(
                public_key=public,
                wrapped_private=wrapped,
                salt=salt,
                opslimit=ops,
                memlimit=mem,
                reset_at=timezone.now(),
            )
    return private


def rewrap(user: User, old_password: str, new_password: str) -> None:
    """A member who changes his own password keeps his key: unwrap with the old, wrap with the new."""
    mk = MemberKey.objects.filter(user=user).first()
    if mk is None:
        return
    try:
        private = crypto.decrypt(
            crypto.password_key(old_password, bytes(mk.salt), mk.opslimit, mk.memlimit),
            bytes(mk.wrapped_private),
        )
    except crypto.Unreadable:
        return
    salt = crypto.new_salt()
    ops, mem = crypto.kdf_params()
    MemberKey.objects.filter(pk=mk.pk).update(
        wrapped_private=crypto.encrypt(crypto.password_key(new_password, salt, ops, mem), private),
        salt=salt,
        opslimit=ops,
        memlimit=mem,
    )


# ---------------------------------------------------------------- the session


def remember(request: HttpRequest, private: bytes) -> None:
    """Keep the unlocked key for this session: wrapped in the session, its wrapping key in a cookie."""
    session_key = crypto.new_key()
    request.session[SESSION_FIELD] = base64.b64encode(crypto.encrypt(session_key, private)).decode()
    request._tips_cookie = base64.urlsafe_b64encode(session_key).decode()  # type: ignore[attr-defined]


def private_key(request: HttpRequest) -> bytes | None:
    """The member's unlocked private key for this request, or None (not a member, or not unlocked)."""
    wrapped = request.session.get(SESSION_FIELD) if hasattr(request, "session") else None
    cookie = getattr(request, "_tips_cookie", None) or request.COOKIES.get(COOKIE)
    if not wrapped or not cookie:
        return None
    try:
        return crypto.decrypt(base64.urlsafe_b64decode(cookie), base64.b64decode(wrapped))
    except (crypto.Unreadable, ValueError):
        return None


@receiver(user_logged_in)
def _unlock_at_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """The login form's password unlocks a member's key (the only moment the server sees the password)."""
    if request is None or request.method != "POST" or not is_member(user):
        return
    password = request.POST.get("password", "")
    if not password:
        return
    private = ensure_member_key(user, password)
    remember(request, private)
    reseal_for_group(user, private)


@receiver(user_logged_out)
def _forget_at_logout(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None:
        request._tips_forget = True  # type: ignore[attr-defined]


class TipKeyCookieMiddleware:
    """Sets or clears the session-key cookie that `remember` and logout asked for."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        if getattr(request, "_tips_forget", False):
            response.delete_cookie(COOKIE, samesite="Strict")
        elif value := getattr(request, "_tips_cookie", None):
            response.set_cookie(
                COOKIE,
                value,
                httponly=True,
                samesite="Strict",
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
            )
        return response


# ---------------------------------------------------------------- sealing to members


def seal_tip_key(tip: Tip, tip_key: bytes, identity_key: bytes | None) -> None:
    """Seal a new tip's key to every eligible member of its group and to the escrow key, and its identity
    key to the group leader alone and to the escrow key."""
    from .access import eligible_members

    members = list(eligible_members(tip))
    keys = {
        mk.user_id: bytes(mk.public_key)
        for mk in MemberKey.objects.filter(user__in=[m.user for m in members])
    }
    rows = [
        TipShare(
            tip=tip,
            user_id=m.user_id,
            purpose=TipShare.CONTENT,
            public_key=keys[m.user_id],
            sealed=crypto.seal(keys[m.user_id], tip_key),
        )
        for m in members
        if m.user_id in keys
    ]
    if identity_key is not None:
        rows += [
            TipShare(
                tip=tip,
                user_id=m.user_id,
                purpose=TipShare.IDENTITY,
                public_key=keys[m.user_id],
                sealed=crypto.seal(keys[m.user_id], identity_key),
            )
            for m in members
            if m.role == GroupMember.LEADER and m.user_id in keys
        ]
    escrow = escrow_public_key()
    if escrow is not None:
        rows.append(
            TipShare(
                tip=tip,
                user=None,
                purpose=TipShare.CONTENT,
                public_key=escrow,
                sealed=crypto.seal(escrow, tip_key),
            )
        )
        if identity_key is not None:
            rows.append(
                TipShare(
                    tip=tip,
                    user=None,
                    purpose=TipShare.IDENTITY,
                    public_key=escrow,
                    sealed=crypto.seal(escrow, identity_key),
                )
            )
    TipShare.objects.bulk_create(rows)


def open_share(tip: Tip, user: User, private: bytes, purpose: str = TipShare.CONTENT) -> bytes | None:
    """The tip's key (or identity key) as this member's share opens it, or None."""
    share = TipShare.objects.filter(tip=tip, user=user, purpose=purpose).order_by("-id").first()
    if share is None:
        return None
    try:
        return crypto.unseal(private, bytes(share.sealed))
    except crypto.Unreadable:
        return None


def reseal_for_group(user: User, private: bytes) -> int:
    """Seal the tips this member can open to the group's members who cannot (a new member, a member whose
    password was reset), and the identity keys he holds to a leader who lacks them. Returns the number of
    shares written. Runs at each login: a fixed handful of queries, however many tips the groups hold."""
    from .access import visible_tips

    held = list(TipShare.objects.filter(user=user, tip__in=visible_tips(user)).select_related("tip"))
    if not held:
        return 0
    have = set(
        TipShare.objects.filter(tip_id__in={s.tip_id for s in held}).values_list(
            "tip_id", "purpose", "user_id"
        )
    )
    by_group: dict[int, list[GroupMember]] = {}
    members = GroupMember.objects.filter(group_id__in={s.tip.group_id for s in held}, user__is_active=True)
    for m in members.select_related("user"):
        by_group.setdefault(m.group_id, []).append(m)
    public_keys = {
        mk.user_id: bytes(mk.public_key)
        for mk in MemberKey.objects.filter(user__in={m.user_id for ms in by_group.values() for m in ms})
    }
    rows: list[TipShare] = []
    for share in held:
        tip = share.tip
        # The tip's eligible members (never one of the reported unit; identities to the leader alone) who
        # have a key and no share yet.
        wanted = [
            m
            for m in by_group.get(tip.group_id, [])
            if m.user.unit_id != tip.target_unit_id
            and m.user_id in public_keys
            and (share.purpose == TipShare.CONTENT or m.role == GroupMember.LEADER)
            and (tip.pk, share.purpose, m.user_id) not in have
        ]
        if not wanted:
            continue
        try:
            secret = crypto.unseal(private, bytes(share.sealed))
        except crypto.Unreadable:
            continue
        for m in wanted:
            key = public_keys[m.user_id]
            rows.append(
                TipShare(
                    tip=tip,
                    user_id=m.user_id,
                    purpose=share.purpose,
                    public_key=key,
                    sealed=crypto.seal(key, secret),
                )
            )
            have.add((tip.pk, share.purpose, m.user_id))
    TipShare.objects.bulk_create(rows)
    return len(rows)


# ---------------------------------------------------------------- escrow


def escrow_path() -> Path:
    return Path(settings.HOME) / "tips-escrow.pub"


def escrow_public_key() -> bytes | None:
    """The deployment's escrow public key (`NUANQI_TIPS_ESCROW_PUBLIC_KEY`, base64, or the file written by
    `nuanqi tips escrow init`), or None when the deployment keeps no escrow."""
    text = getattr(settings, "NUANQI_TIPS_ESCROW_PUBLIC_KEY", "") or ""
    if not text and escrow_path().exists():
        text = escrow_path().read_text().strip()
    if not text:
        return None
    return base64.b64decode(text)


def escrow_reseal(private: bytes, user: User) -> int:
    """With the escrow private key (brought from where the deployment keeps it offline), seal every tip and
    identity key of the member's groups to the member's current key: the recovery after a reset when no
    other member can re-seal. Returns the number of shares written."""
    from .access import eligible_members

    mk = MemberKey.objects.filter(user=user).first()
    if mk is None:
        raise ValueError("该成员还没有密钥：请先让其登录一次")
    public = crypto.public_of(private)
    written = 0
    for share in TipShare.objects.filter(user__isnull=True, public_key=public).select_related("tip"):
        tip = share.tip
        member = eligible_members(tip).filter(user=user).first()
        if member is None:
            continue
        if share.purpose == TipShare.IDENTITY and member.role != GroupMember.LEADER:
            continue  # identities go to the leader alone; a member gets one only by the leader's release
        if TipShare.objects.filter(
            tip=tip, user=user, purpose=share.purpose, public_key=mk.public_key
        ).exists():
            continue
        secret = crypto.unseal(private, bytes(share.sealed))
        TipShare.objects.create(
            tip=tip,
            user=user,
            purpose=share.purpose,
            public_key=bytes(mk.public_key),
            sealed=crypto.seal(bytes(mk.public_key), secret),
        )
        written += 1
    return written
