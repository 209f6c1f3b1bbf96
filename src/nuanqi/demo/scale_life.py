"""One case's life for the scale generator: the workflow steps the services would have taken, with the
fields they would have set and the hash-chained events they would have written (see `demo.scale`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from nuanqi.cases import sla
from nuanqi.cases.models import Kind, priority_of
from nuanqi.cases.timeline import canonical_changes, encoded_event_hash, head_mac

from . import scale_text as T
from .scale_sql import utc_iso

if TYPE_CHECKING:
    from .scale import Generation
    from .scale_directory import World


def _iso(dt: datetime) -> str:
    # What timeline.json_safe makes of a datetime inside `changes` (UTC, microseconds).
    return utc_iso(dt)


# ---------------------------------------------------------------- raw writers


class Life:
    """Builds one case's events in order, hashing the chain as it goes.

    `rows` holds each event as the row `demo.scale` writes (`scale._EVENT_COLUMNS`' order): its moment as
    `when` makes it of the UTC ISO text (the database's form), its changes as the canonical JSON text that
    is hashed (one encoding serves both)."""

    def __init__(
        self, number: str, case_id: int, status: str, names: dict[int, str], when: Callable[[str], str]
    ) -> None:
        self.names = names  # user id → the name the timeline shows
        self.number = number
        self.case_id = case_id
        self.status = status
        self.when = when
        self.head = ""
        self.rows: list[tuple[Any, ...]] = []
        self.last_at: datetime | None = None  # the newest event's moment

    def add(
        self,
        at: datetime,
        actor: int | None,
        action: str,
        to: str | None,
        changes: dict[str, Any],
        reason: str = "",
    ) -> None:
        if action.startswith("task_"):  # co-handling steps leave the case's status alone
            frm = to_status = ""
        else:
            frm = self.status if action != "create" else ""
            to_status = to if to is not None else self.status
        seq = len(self.rows) + 1
        name = self.names.get(actor, "系统") if actor is not None else "系统"
        iso = utc_iso(at)
        text = canonical_changes(changes) if changes else "{}"
        prev = self.head
        digest = encoded_event_hash(
            prev, self.number, seq, iso, actor, action, frm, to_status, text, reason, name
        )
        self.rows.append(
            (
                self.case_id,
                seq,
                self.when(iso),
                actor,
                name,
                action,
                frm,
                to_status,
                text,
                reason,
                None,
                prev,
                digest,
            )
        )
        self.head = digest
        self.last_at = at
        if to_status:
            self.status = to_status


def _hours(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(hours=rng.uniform(lo, hi))


_NATURES = ("help",) * 6 + ("consult",) * 3 + ("complaint", "suggestion")
_CHANNELS = ("company_request",) * 5 + ("volunteered",) * 4 + ("phone", "online", "visit", "department")


def _limits(cache: dict[tuple[str, int], sla.Limits], nature: str, priority: int) -> sla.Limits:
    key = (nature, priority)
    if key not in cache:
        cache[key] = sla.limits_for(Kind.REQUEST, nature, priority)
    return cache[key]


def case_life(w: World, g: Generation, case_id: int, number: str, received: datetime) -> None:
    """One case from 登记 to wherever its life has got by now; appends its rows to the generator's sinks."""
    rng, now = w.rng, g.now
    company = rng.choice(w.company_ids)
    leaf = rng.choice(w.leaves)
    lead = rng.choice(w.leads)
    lead_handler = w.handler[lead.pk]
    nature = rng.choice(_NATURES)
    importance = "major" if rng.random() < 0.2 else "minor"
    urgency = "urgent" if rng.random() < 0.15 else "normal"
    priority = priority_of(importance, urgency)
    channel = rng.choice(_CHANNELS)
    commissioner = w.commissioner_of[company]
    contact = w.contact[company]
    creator = {"company_request": contact, "volunteered": commissioner}.get(
        channel, rng.choice(w.dispatchers)
    )
    dispatcher = rng.choice(w.dispatchers)
    title, description = T.case_text(rng, leaf.name, lead.label)
    label = w.company_label[company]
    limits = _limits(g.limits, nature, priority)
    resolve_due = g.cal_resolve(received, limits)
    warn = sla.warn_at(resolve_due)
    c: dict[str, Any] = dict(
        id=case_id,
        number=number,
        kind=Kind.REQUEST,
        title=title,
        description=description,
        category_id=leaf.pk,
        nature=nature,
        channel=channel,
        requester_type="company",
        requester_id=company,
        requester_name=label,
        subject_type="company",
        subject_id=company,
        subject_label=label,
        importance=importance,
        urgency=urgency,
        priority=priority,
        created_by_id=creator,
        status="new",
        received_at=received,
        contact_due=sla.hours_deadline(received, limits.contact_hours, limits),
        resolve_due=resolve_due,
        warn_at=warn,
        created_at=received,
        updated_at=received,
    )
    life = Life(number, case_id, "new", g.names, g.when)
    life.add(
        received,
        creator,
        "create",
        "new",
        {
            "title": title,
            "category": f"{leaf.parent.name} / {leaf.name}" if leaf.parent else leaf.name,
            "nature": nature,
            "channel": channel,
            "priority": priority,
            "subject": label,
            "lead_unit": "",
            "resolve_due": _iso(resolve_due),
        },
    )
    tasks: list[dict[str, Any]] = []
    stuck = rng.random() < 0.012  # never finished: the red cards of the work lists
    t = received + _hours(rng, 0.2, 3)

    def step(at: datetime) -> bool:
        return at <= now

    def finish() -> None:
        c["status"] = life.status
        c["version"] = c["event_count"] = len(life.rows)
        c["event_head"] = life.head
        c["event_mac"] = head_mac(number, len(life.rows), life.head)
        c["updated_at"] = life.last_at
        g.emit(c, life, tasks)

    if not step(t):
        return finish()
    if rng.random() < 0.03:
        reason = "不属于暖企服务范围，已告知企业通过12345热线反映"
        life.add(t, dispatcher, "reject", "rejected", {"referral": "12345热线"}, reason)
        c["closed_at"] = t
        return finish()
    life.add(t, dispatcher, "accept", "accepted", {})
    # A returned case is dispatched again before anyone signs it (the audit's workflow check holds the
    # generator to the transition table too).
    rng.random()  # the draw that once chose the number of attempts, kept so other histories stay the same
    for attempt in range(2):
        t += _hours(rng, 0.2, 4)
        if not step(t):
            return finish()
        sign_due = sla.hours_deadline(t, limits.sign_hours, limits)
        life.add(
            t,
            dispatcher,
            "dispatch",
            "dispatched",
            {"lead_unit": ["", lead.name], "owner": "", "sign_due": _iso(sign_due)},
        )
        c.update(lead_unit_id=lead.pk, dispatched_at=t, sign_due=sign_due, owner_id=None, signed_at=None)
        if attempt == 0 and rng.random() < 0.03:
            t += _hours(rng, 0.5, 6)
            if not step(t):
                return finish()
            life.add(
                t, lead_handler, "return", "accepted", {"returned_by": lead.name}, "不属于本单位职责，请改派"
            )
            c.update(return_count=1, dispatched_at=None, sign_due=None)
            lead = rng.choice(w.leads)
            lead_handler = w.handler[lead.pk]
            t += _hours(rng, 0.2, 3)
            if not step(t):
                return finish()
            continue
        break
    t += _hours(rng, 0.1, 6)
    if not step(t):
        return finish()
    life.add(t, lead_handler, "sign", "in_progress", {"owner": g.names[lead_handler]})
    c.update(signed_at=t, owner_id=lead_handler)
    if rng.random() < 0.3:
        helpers = rng.sample(w.helpers, rng.choice((1, 2, 3, 5, 7, 12)))
        for seq, unit in enumerate([u for u in helpers if u.pk != lead.pk], start=1):
            t += timedelta(minutes=rng.randint(5, 90))
            if not step(t):
                return finish()
            task = dict(
                id=g.next_task(),
                case_id=case_id,
                unit_id=unit.pk,
                status="pending",
                seq=seq,
                note=f"请{unit.label}配合办理",
                due_at=c["resolve_due"],
                created_at=t,
            )
            tasks.append(task)
            life.add(
                t,
                lead_handler,
                "task_add",
                None,
                {"unit": unit.name, "in_district": unit.in_district, "due_at": _iso(c["resolve_due"])},
                task["note"],
            )
    if rng.random() < 0.02:
        t += _hours(rng, 1, 30)
        if step(t):
            life.add(t, dispatcher, "supervise", None, {}, "企业多次反映，请加快办理")
            c["supervised"] = True
    if rng.random() < 0.05 and c["warn_at"] and t < c["warn_at"]:
        days = rng.choice((2, 3, 5))
        life.add(t, lead_handler, "request_extension", None, {"days": days}, "涉及多部门会商，需延期办理")
        t += _hours(rng, 0.5, 8)
        if not step(t):
            c["extension_pending"] = {
                "days": days,
                "reason": "涉及多部门会商，需延期办理",
                "by": lead_handler,
                "at": life.last_at.isoformat() if life.last_at else None,
            }
            return finish()
        old = c["resolve_due"]
        c["resolve_due"] = sla.extend(old, days)
        c["warn_at"] = sla.warn_at(c["resolve_due"])
        c["extension_days"] = days
        life.add(
            t,
            dispatcher,
            "approve_extension",
            None,
            {"days": days, "resolve_due": [_iso(old), _iso(c["resolve_due"])]},
        )
    if stuck:
        hold_at = t + _hours(rng, 24, 200)
        if rng.random() < 0.3 and step(hold_at):
            t = hold_at
            review = (timezone.localtime(now) + timedelta(days=rng.randint(10, 90))).date()
            life.add(
                t,
                dispatcher,
                "hold",
                "on_hold",
                {"review_on": review.isoformat(), "remaining_hours": 6.5},
                "需等待上级审批，暂时挂账",
            )
            c["hold_review_on"] = review
        return finish()
    # Handling takes a few working days; nine in ten finish before the deadline.
    span = (c["resolve_due"] - t) * rng.uniform(0.2, 0.95) if rng.random() < 0.9 else _hours(rng, 100, 400)
    done_at = t + max(span, timedelta(hours=1))
    moments = sorted(t + (done_at - t) * rng.uniform(0.3, 0.95) for _ in tasks)
    for task, moment in zip(tasks, moments, strict=True):
        if not step(moment):
            continue
        handler = w.handler[task["unit_id"]]
        task.update(
            status="done", signed_at=moment, done_at=moment, done_by_id=handler, result="已按要求办理完毕"
        )
        life.add(
            moment,
            handler,
            "task_done",
            None,
            {"unit": g.unit_names[task["unit_id"]], "task": task["id"], "status": ["pending", "done"]},
            "已按要求办理完毕",
        )
    if any(tk["status"] != "done" for tk in tasks) or not step(done_at):
        return finish()
    result = rng.choice(T.RESULTS)
    life.add(
        done_at,
        lead_handler,
        "resolve",
        "resolved",
        {"result": result, "on_time": done_at <= c["resolve_due"]},
    )
    c.update(resolved_at=done_at, result=result)
    t = done_at + _hours(rng, 2, 72)
    if not step(t):
        return finish()
    rater = contact if rng.random() < 0.7 else commissioner
    r = rng.random()
    sat = "satisfied" if r < 0.86 else "basic" if r < 0.97 else "unsatisfied"
    comment = rng.choice(T.COMMENTS)
    if sat == "unsatisfied":
        old = c["resolve_due"]
        new_due = g.cal_resolve(t, limits)
        life.add(
            t,
            rater,
            "rate",
            "in_progress",
            {
                "satisfaction": sat,
                "comment": "问题没有真正解决",
                "reopened": True,
                "resolve_due": [_iso(old), _iso(new_due)],
            },
        )
        c.update(
            satisfaction=sat,
            rating_comment="问题没有真正解决",
            rated_at=t,
            resolve_due=new_due,
            warn_at=sla.warn_at(new_due),
            resolved_at=None,
            reopen_count=1,
        )
        t += (new_due - t) * rng.uniform(0.2, 0.9)
        if not step(t):
            return finish()
        life.add(t, lead_handler, "resolve", "resolved", {"result": result, "on_time": t <= new_due})
        c["resolved_at"] = t
        t += _hours(rng, 2, 72)
        if not step(t):
            return finish()
        sat, comment = "basic", "重办后基本解决"
    life.add(t, rater, "rate", "rated", {"satisfaction": sat, "comment": comment})
    c.update(satisfaction=sat, rating_comment=comment, rated_at=t)
    t += _hours(rng, 24, 400)
    if rng.random() < 0.6 and step(t):
        life.add(t, dispatcher, "archive", "archived", {})
        c["closed_at"] = t
    return finish()
