import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Import the URLconf (views, API schemas) now, so that with `--preload` the server's master pays for
    it once and no worker's first request does."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - touching the property imports every view module


_warm_up()
