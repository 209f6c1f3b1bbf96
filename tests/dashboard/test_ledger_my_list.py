"""我的清单 exports as a ledger with the list's own rows and order."""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook

from nuanqi.cases.models import Case

from ..cases.helpers import file_case


def test_my_list_exports_the_persons_open_items_in_list_order(world):
    late = file_case(world.commissioner, world.huakang, title="超期的事项")
    file_case(world.commissioner, world.huakang, title="重要紧急", importance="major", urgency="urgent")
    file_case(world.commissioner2, world.changhong, title="别人的企业")
    Case.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - timedelta(days=1))
    client = world.client(world.commissioner)
    assert 'id="export-xlsx"' in client.get("/").content.decode()
    r = client.get("/ledger/my.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content))["事项台账"]
    titles = [row[2] for row in ws.iter_rows(min_row=2, values_only=True)]
    headers = [c.value for c in ws[1]]
    assert headers[2] == "标题", headers
    assert titles == ["超期的事项", "重要紧急"]


def test_an_anonymous_visitor_is_sent_to_login(world, client):
    assert client.get("/ledger/my.xlsx").status_code == 302
