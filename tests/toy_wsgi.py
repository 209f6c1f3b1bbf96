"""The production WSGI application with the toy public kind registered, for tests that run a real server."""

from nuanqi.cases.kinds import register_kind
from nuanqi.wsgi import application
from tests.toykinds import PUBLIC_TOY

register_kind(PUBLIC_TOY)

__all__ = ["application"]
