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

        from nuanqi.cases.advisors import DetailPanel, register_detail_panel, register_duplicate_finder

        from .panels import case_panel, form_duplicates

        register_detail_panel(DetailPanel("routing", "routing/_case_panel.html", case_panel))
        register_duplicate_finder("routing", form_duplicates, form_asset="routing/_form_assist.html")
