"""Mail as 企业邮箱 and government servers require it, against aiosmtpd on loopback: STARTTLS with login,
SSL on its own port, a certificate from an internal authority (`NUANQI_EMAIL_CA_FILE`), a 550 that is dead at
once, a server that never greets and costs only the timeout; and `nuanqi notify test`."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from nuanqi.cli import main
from nuanqi.notify import outbox
from nuanqi.notify.models import ChannelConfig, ChannelKind, Delivery, DeliveryStatus
from tests.notify.helpers import queue

# The SSL port is TLS from the first byte, which aiosmtpd does not see (below).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

USER, PASSWORD = "notify@zhujian.example", "authcode-8f2k"  # a provider's 授权码


@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <nobody@zhujian.example>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 2.0.0 Ok: queued as 4F2A9C"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(mechanism)
        return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> tuple[ssl.SSLContext, Path]:
    """An internal certificate authority, its server certificate, and the CA file the platform is given."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    path = tmp_path_factory.mktemp("ca") / "internal-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return server, path


@pytest.fixture
def mail_server(authority, settings) -> Iterator[Any]:
    """Start an SMTP server: `mail_server("starttls")` or `mail_server("ssl")`; settings point at it."""
    server_ctx, ca_file = authority
    controllers: list[Controller] = []

    def start(security: str) -> Mailbox:
        box = Mailbox()
        port = _free_port()
        common = {"authenticator": box.authenticate, "auth_required": True}
        if security == "ssl":
            # The whole connection is TLS; aiosmtpd only knows of TLS it negotiated itself (STARTTLS), so it
            # is told not to insist on it before AUTH.
            ctl = Controller(
                box, hostname="127.0.0.1", port=port, ssl_context=server_ctx, auth_require_tls=False, **common
            )
        else:
            ctl = Controller(
                box, hostname="127.0.0.1", port=port, tls_context=server_ctx, require_starttls=True, **common
            )
        ctl.start()
        controllers.append(ctl)
        settings.EMAIL_BACKEND = "nuanqi.notify.mail.MailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = security == "starttls", security == "ssl"
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = USER, PASSWORD
        settings.NUANQI_EMAIL_CA_FILE = str(ca_file)
        settings.EMAIL_TIMEOUT = 1
        return box

    yield start
    for ctl in controllers:
        ctl.stop()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_is_delivered_over_tls_with_a_login_to_a_server_signed_by_an_internal_authority(
    world, mail_server, security
):
    box = mail_server(security)
    queue(world, ChannelKind.EMAIL, 1, address="handler@zhujian.example")
    assert outbox.deliver_pass().sent == 1
    assert len(box.messages) == 1 and box.messages[0].rcpt_tos == ["handler@zhujian.example"]
    assert box.logins  # the server let nothing through without a login
    content = box.messages[0].content.decode()
    assert "Message-ID: <nuanqi-" in content  # stable: the same for every attempt of this notice


def test_without_the_ca_file_the_internal_certificate_is_refused(world, mail_server, settings):
    mail_server("starttls")
    settings.NUANQI_EMAIL_CA_FILE = ""
    queue(world, ChannelKind.EMAIL, 1, address="handler@zhujian.example")
    assert outbox.deliver_pass().failed == 1
    assert "CERTIFICATE_VERIFY_FAILED" in Delivery.objects.get(channel=ChannelKind.EMAIL).last_error


def test_an_unknown_mailbox_550_is_dead_at_once(world, mail_server):
    box = mail_server("starttls")
    queue(world, ChannelKind.EMAIL, 1, address="nobody@zhujian.example")
    assert outbox.deliver_pass().dead == 1
    d = Delivery.objects.get(channel=ChannelKind.EMAIL)
    assert d.status == DeliveryStatus.DEAD and d.attempts == 1 and "550" in d.last_error
    assert box.messages == []


def test_a_mail_server_that_never_greets_costs_at_most_the_timeout(world, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    settings.EMAIL_BACKEND = "nuanqi.notify.mail.MailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
    settings.EMAIL_TIMEOUT = 1
    queue(world, ChannelKind.EMAIL, 1, address="handler@zhujian.example")
    start = time.monotonic()
    try:
        assert outbox.deliver_pass().failed == 1
    finally:
        listener.close()
        for s in held:
            s.close()
    assert time.monotonic() - start < 1.8
    assert Delivery.objects.get(channel=ChannelKind.EMAIL).status == DeliveryStatus.PENDING


def test_notify_test_sends_one_mail_and_prints_the_servers_answer(db, mail_server, capsys):
    box = mail_server("ssl")
    main(["notify", "test", "--channel", "email", "--to", "handler@zhujian.example"])
    assert "250 2.0.0 Ok: queued as 4F2A9C" in capsys.readouterr().out
    assert box.messages[0].rcpt_tos == ["handler@zhujian.example"]


def test_notify_test_on_a_robot_prints_its_answer_or_its_refusal(db, fake, capsys):
    robot = fake("wecom")
    ChannelConfig.objects.create(kind=ChannelKind.WECOM, url=robot.url)
    main(["notify", "test", "--channel", "wecom"])
    assert "errcode 0" in capsys.readouterr().out and "暖企通知测试" in robot.delivered[0]["text"]["content"]
    ChannelConfig.objects.filter(kind=ChannelKind.WECOM).update(url=robot.url.replace("good-key", "x"))
    with pytest.raises(SystemExit) as stop:
        main(["notify", "test", "--channel", "wecom"])
    assert stop.value.code == 1 and "永久失败" in capsys.readouterr().err
