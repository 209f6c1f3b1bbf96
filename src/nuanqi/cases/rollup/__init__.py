"""The daily KPI roll-up: what each case adds to the figures, kept by the single writer (docs/kpis.md).

A case contributes, to the day it was received, one set of counters (`contribution`) under each rolled-up
dimension's value (`kpis.Dimension.value_of`), plus its kind and `imported` flag. The writer records the
contribution on the case (`Case.kpi_keys`) and appends the difference from the last one as delta rows of
`KpiRollup` — one row per dimension whose figures moved, in one INSERT inside the change's transaction.
No row is updated in place, so concurrent intakes of one unit and day never wait on each other's row lock;
the worker folds the deltas (`fold`), and readers sum whatever is there, folded or not, so every figure is
exact at every moment.

`open` (在办) is a counter like the others: it moves only when a case's status does, and every status change
goes through the writer. `overdue` (超期) moves with the clock: the writer also keeps the open cases by the
local day their resolve deadline falls on (`KpiOpenDue`, delta rows of ±1, merged by the fold), so that the
open cases due before today are overdue, those due after today are not, and only the few due today are
counted live against the clock (`due_today`). Sealed kinds and uncounted statuses (a merged duplicate)
contribute nothing.

The package: `writer` (a case's contribution and the delta rows `record` appends), `folding` (`rebuild` from
the cases, the worker's `fold`, `follow_calendar` after a calendar change) and `reading` (`read`, `due_today`,
`plan`); the names below are its public interface.
"""

from __future__ import annotations

from .folding import calendar_changed_since, fold, follow_calendar, rebuild, rebuild_months
from .reading import due_today, forget_kept, plan, read
from .writer import (
    COUNTERS,
    ROLLED,
    contribution,
    local_day,
    pending,
    record,
    rolled_dimensions,
    snapshot,
    working_days,
)

__all__ = [
    "COUNTERS",
    "ROLLED",
    "calendar_changed_since",
    "contribution",
    "due_today",
    "fold",
    "follow_calendar",
    "forget_kept",
    "local_day",
    "pending",
    "plan",
    "read",
    "rebuild",
    "rebuild_months",
    "record",
    "rolled_dimensions",
    "snapshot",
    "working_days",
]
