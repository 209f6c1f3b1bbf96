from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "nuanqi.routing"
    verbose_name = "派单建议与重复提醒"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from nuanqi.cases.sweeps import register_sweep

        from .retrain import sweep

        # The worker retrains when enough new cases have closed (NUANQI_ROUTING_RETRAIN_EVERY).
        register_sweep("routing_retrain", sweep)
