"""The markup assistive technology relies on, page by page through the test client: the shared layout's
landmarks and skip link, a failed form's summary and field links, the briefing's language."""

from __future__ import annotations

import re

from django.conf import settings


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_every_page_on_the_shared_layout_has_a_skip_link_landmarks_and_a_descriptive_title(world):
    client = world.client(world.leader)
    for path in ["/", "/cases/", "/programme/", "/dashboard/", "/briefing/", "/cases/new/"]:
        html = client.get(path).content.decode()
        assert '<a class="skip" href="#main">跳到正文</a>' in html, path
        assert '<main id="main" tabindex="-1">' in html and "<header" in html and "<footer>" in html, path
        assert '<nav aria-label="主导航">' in html, path
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)  # type: ignore[union-attr]
        assert title.endswith(" · 暖企工作平台") and title.count("暖企工程 · 暖企工程") == 0, path


def test_a_failed_new_case_form_gets_an_error_title_a_summary_and_fields_that_point_at_real_messages(world):
    client = world.client(world.commissioner)
    form = {"description": "没有标题", "nature": "help", "channel": "company_request"}
    form |= {"importance": "minor", "urgency": "normal"}
    html = client.post("/cases/new/", form).content.decode()
    assert re.search(r"<title>错误：登记事项 · ", html)
    assert 'id="error-summary" tabindex="-1" autofocus' in html
    ids = _ids(html)
    targets = re.findall(r'<li><a href="#([^"]+)">', html)
    assert set(targets) == {"id_company", "id_title"}
    for target in targets:
        tag = re.search(rf'<[^>]+\bid="{target}"[^>]*>', html).group(0)  # type: ignore[union-attr]
        assert 'aria-invalid="true"' in tag
        described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()  # type: ignore[union-attr]
        assert described and set(described) <= ids, (target, described)
    # Required fields are marked for eyes and for assistive technology; optional ones are not.
    marked = '<label for="id_title">标题<span class="req" aria-hidden="true"> *</span></label>'
    assert marked in html
    assert '<label for="id_description">内容</label>' in html
    assert re.search(r'<input[^>]*name="title"[^>]*required', html)


def test_a_form_that_is_fine_has_no_error_summary_and_a_plain_title(world):
    html = world.client(world.commissioner).get("/cases/new/").content.decode()
    assert "error-summary" not in html and "<title>登记事项 · " in html


def test_the_briefing_is_on_the_shared_layout_in_the_active_language(world):
    client = world.client(world.leader)
    html = client.get("/briefing/").content.decode()
    assert html.count('<html lang="zh-hans">') == 1 and '<main id="main"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/briefing/").content.decode()
    assert '<html lang="en">' in html and "Skip to content" in html


def test_the_status_filter_and_the_grouping_select_have_names(world):
    client = world.client(world.leader)
    assert re.search(r'<label>状态 <select name="status">', client.get("/cases/").content.decode())
    assert re.search(r'<label>分组 <select name="by">', client.get("/dashboard/kpis/").content.decode())
