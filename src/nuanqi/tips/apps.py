from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "nuanqi.tips"
    verbose_name = "巡察"

    def ready(self) -> None:
        from nuanqi.cases.access import register_provider
        from nuanqi.cases.kinds import register_kind

        from . import keys  # noqa: F401  (the login and logout receivers that unlock and forget keys)
        from .access import TipAccess
        from .workflow import tip_kind

        register_kind(tip_kind())
        register_provider(TipAccess())
