"""What the public's side of a case needs: the receipt that opens it, and the messages exchanged."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case


class PublicReceipt(models.Model):
    """A case filed without an account. The receipt code itself is never stored: only Argon2id(receipt,
    the installation's secret salt), under a unique index so that one lookup costs one hash."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="public_receipt")
    digest = models.CharField(max_length=64, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公众回执")
        verbose_name_plural = _("公众回执")


class PublicMessage(models.Model):
    """A message between the filer and the office, shown on the public status page and on the case page."""

    FROM_PUBLIC = "in"
    TO_PUBLIC = "out"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="public_messages")
    direction = models.CharField(max_length=3, choices=[(FROM_PUBLIC, _("来信")), (TO_PUBLIC, _("答复"))])
    text = models.TextField(blank=True)
    # A sealed kind's message, as its module's ciphertext (text stays empty).
    sealed = models.BinaryField(null=True, blank=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attachment = models.ForeignKey(
        "attachments.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["case_id", "id"]
        indexes: ClassVar = [models.Index(fields=["case", "id"], name="public_message_case")]
