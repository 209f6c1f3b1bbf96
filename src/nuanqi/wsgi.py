import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuanqi.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Import the URLconf (views, API schemas) now, so that with `--preload` the server's master pays for
    it once and no worker's first request does."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - touching the property imports every view module
    # jieba's dictionary (~90 MB once a search query needs segmenting) loaded here too, so the workers share
    # the master's copy instead of each building its own; then the objects made so far are moved out of the
    # collector's reach, so its passes do not write to (and so un-share) the pages they live on.
    from nuanqi.lib import textseg

    textseg.warm()
    gc.freeze()


_warm_up()
