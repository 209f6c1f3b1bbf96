from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "nuanqi.cases"
    verbose_name = "清单引擎"
