from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "nuanqi.dashboard"
    verbose_name = "看板与简报"

    def ready(self) -> None:
        from .dimensions import register, register_filters

        register()
        register_filters()
