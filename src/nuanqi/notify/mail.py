"""Mail as Chinese providers require it: Django's SMTP backend (STARTTLS, SSL on 465, login, timeout) with
the one thing it lacks, a CA file for intranet mail servers signed by an internal authority. The connection
remembers the server's answer to the message, which `nuanqi notify test` prints."""

from __future__ import annotations

import smtplib
import ssl
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend


class _Answering:
    last_answer = ""

    def data(self, msg: Any) -> tuple[int, bytes]:
        code, resp = super().data(msg)  # type: ignore[misc]
        self.last_answer = f"{code} {resp.decode(errors='replace')}"
        return code, resp


class AnsweringSMTP(_Answering, smtplib.SMTP):
    pass


class AnsweringSMTPSSL(_Answering, smtplib.SMTP_SSL):
    pass


class MailBackend(EmailBackend):
    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return AnsweringSMTPSSL if self.use_ssl else AnsweringSMTP

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        cafile = getattr(settings, "NUANQI_EMAIL_CA_FILE", "") or None
        context = ssl.create_default_context(cafile=cafile)
        if self.ssl_certfile or self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)  # type: ignore[arg-type]
        return context

    def last_answer(self) -> str:
        return str(getattr(self.connection, "last_answer", ""))
