"""English mode is complete: every message catalogue entry has a translation, and a crawl of the demo in
English finds no Chinese on any page a persona reaches, except the data people typed or the district named
(a case's title, a unit, a company)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

import nuanqi
from nuanqi.lib import gbt4754
from tests.crawl import crawl
from tests.demo_snapshot import demo_world

CATALOGUE = Path(nuanqi.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
# Runs of Chinese characters; punctuation splits them, so a stored name in brackets is still the name.
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
PERSONAS = ["admin", "leader", "dispatcher", "commissioner", "handler", "consult", "company", "xc_leader"]
PERSONAS += [None]
# A Chinese run shorter than this must equal a whole stored value to count as data: short runs are what an
# untranslated label looks like, and a label of two characters is a substring of many a description.
SHORT = 6


def test_every_message_has_a_translation_and_none_is_fuzzy():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [e.msgid for e in catalogue if e.obsolete is False and not e.translated()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not missing, f"{len(missing)} messages without an English translation: {missing[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy translations: {fuzzy[:20]}"


def test_the_language_switch_names_each_language_in_itself(world):
    client = world.client(world.leader)
    for language in ("zh-hans", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get("/").content.decode()
        assert re.search(r'<option value="zh-hans" lang="zh-hans"[^>]*>简体中文</option>', html), language
        assert re.search(r'<option value="en" lang="en"[^>]*>English</option>', html), language
        assert "英语" not in html


class _Text(HTMLParser):
    """A page's human-readable text: text nodes outside scripts and styles, plus the attributes read aloud."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt", "value")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._closing: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        # Text marked as another language (a language's own name in the switch) is not English's to translate.
        foreign = not (attributes.get("lang") or "en").startswith("en")
        if tag in ("script", "style") or foreign:
            self._skip += 1
            self._closing.append(tag)
        for name in self.SPOKEN:
            value = attributes.get(name)
            # An input's value is what the person typed (data); a button's value is a label.
            if value and not (name == "value" and tag != "button"):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._closing and tag == self._closing[-1]:
            self._closing.pop()
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _stored_text() -> tuple[set[str], str]:
    """Every text value the database holds (whole values, and all of them joined for substring checks)."""
    values: set[str] = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._default_manager.values_list(*fields) if fields else ():
            for value in row:
                if isinstance(value, str):
                    values.add(value)
                elif value:
                    values.add(str(value))
    # The national industry classification (GB/T 4754) is published in Chinese only: its names are data too.
    values |= {name for name, _first, _last in gbt4754.SECTIONS.values()} | set(gbt4754.DIVISIONS.values())
    whole = {piece for v in values for piece in CJK.findall(v)}
    return whole, "\x00".join(values)


def _login(username: str | None) -> Client:
    client = Client()
    if username:
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.single_database
def test_an_english_crawl_of_every_persona_finds_no_chinese_outside_the_data(db):
    demo_world()
    whole, joined = _stored_text()
    found: dict[str, set[str]] = {}
    for username in PERSONAS:
        client = _login(username)

        def fetch(path: str, client: Client = client) -> str | None:
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                return None
            return response.content.decode()

        for route, _path, html in crawl("/", fetch, limit=200):
            parser = _Text()
            parser.feed(html)
            for run in CJK.findall(" ".join(parser.parts)):
                if run in whole or (len(run) >= SHORT and run in joined):
                    continue
                found.setdefault(run, set()).add(f"{username or 'anonymous'} {route}")
    report = [f"{run!r}: {sorted(where)[:3]}" for run, where in sorted(found.items())]
    assert not report, f"{len(report)} Chinese texts in English mode:\n" + "\n".join(report[:80])


def test_the_compiled_catalogue_is_the_catalogue():
    """Django reads the .mo: one compiled from an older .po leaves new labels in Chinese."""
    catalogue = polib.pofile(str(CATALOGUE))
    source = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in catalogue if e.translated()}
    mo = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    compiled.pop((None, ""), None)  # the header
    assert compiled == source, "run `django-admin compilemessages` in src/nuanqi"
