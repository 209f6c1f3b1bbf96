"""The demo district's history: a frozen ledger of closed requests, written as companies write them.

`texts_*.py` hold the requests (小项, final lead unit, title, content) as people wrote them — varied in
length, wording and tone, some vague, some naming two problems — and `pairs.py` a labelled set of duplicate
and near-miss pairs. `build.py` turns them into the committed ledger file `ledger.xlsx` (dates, companies,
results and ratings drawn with a fixed seed), which the demo imports through the same import as any district
(`nuanqi import cases`). The files are frozen: the routing evaluation's figures are measured on them.
"""

from __future__ import annotations

from .texts_a import TEXTS as _A
from .texts_b import TEXTS as _B
from .texts_c import TEXTS as _C
from .texts_d import TEXTS as _D

# (小项, final lead unit's short name, title, content)
TEXTS: list[tuple[str, str, str, str]] = [*_A, *_B, *_C, *_D]
