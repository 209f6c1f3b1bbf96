"""schemathesis over the whole OpenAPI schema, as four personas of the demo's world.

Every operation gets about ten generated requests per persona (valid and invalid data, the demo's real ids
among them by chance only). The contract: no server error, no status the schema does not document, every error
body the one `{"error", "code"}` model, every success body its documented schema. A longer run of the same is
`make fuzz` (NUANQI_FUZZ_EXAMPLES)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis import checks

from nuanqi.accounts.models import ApiToken, User
from nuanqi.wsgi import application
from tests.demo_snapshot import demo_world

pytestmark = [pytest.mark.single_database, pytest.mark.django_db]

PERSONAS = ("admin", "commissioner", "handler", "company")
EXAMPLES = int(os.environ.get("NUANQI_FUZZ_EXAMPLES", "10"))
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# What the run sent and got, for `make fuzz`'s figures (NUANQI_FUZZ_REPORT names the file).
FIGURES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def tokens(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """The seed's world, built once for the module inside a transaction rolled back afterwards, and a bearer
    token for each persona."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        demo_world()
        yield {name: ApiToken.issue(User.objects.get(username=name), "fuzz")[1] for name in PERSONAS}
        transaction.set_rollback(True)
    report = os.environ.get("NUANQI_FUZZ_REPORT")
    if report:
        Path(report).parent.mkdir(parents=True, exist_ok=True)
        figures = {"examples_per_operation_and_persona": EXAMPLES, **dict(sorted(FIGURES.items()))}
        Path(report).write_text(json.dumps(figures, indent=1) + "\n")


@pytest.fixture(autouse=True)
def _one_connection() -> Iterator[None]:
    # The WSGI handler closes "old" connections when a request starts and ends (Django's test client prevents
    # it too): the requests run in this test's transaction, on its connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", PERSONAS)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_documented_contract(case: Any, persona: str, tokens: dict[str, str]) -> None:
    response = case.call_and_validate(headers={"Authorization": f"Bearer {tokens[persona]}"}, checks=CHECKS)
    FIGURES["requests"] += 1
    FIGURES[f"status {response.status_code}"] += 1
