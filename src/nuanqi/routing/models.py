"""The keyword rules an admin maintains (the units' 权责清单): words → unit (and 小项), the suggestion's basis
while the district has too few closed cases for a model."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeywordRule(models.Model):
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("主办单位")
    )
    category = models.ForeignKey(
        "cases.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小项"),
    )
    words = models.TextField(_("关键词"), help_text=_("多个用顿号分隔，如 用电、增容、变压器、停电"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering: ClassVar = ["unit__sort", "pk"]
        verbose_name = _("权责清单关键词")
        verbose_name_plural = _("权责清单关键词")

    def __str__(self) -> str:
        return f"{self.unit} ← {self.words[:30]}"

    def word_list(self) -> list[str]:
        import re

        return [w.strip() for w in re.split(r"[、,，;；\s]+", self.words) if w.strip()]
