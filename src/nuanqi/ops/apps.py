from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "nuanqi.ops"
    verbose_name = "运维"
