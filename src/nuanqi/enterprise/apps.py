from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "nuanqi.enterprise"
    verbose_name = "暖企"

    def ready(self) -> None:
        from nuanqi.cases.access import register_provider, register_subject

        from .access import EnterpriseAccess, resolve_company

        register_provider(EnterpriseAccess())
        register_subject("company", resolve_company)

        from nuanqi.cases.kinds import register_kind

        from .workflow import TASK_KIND

        register_kind(TASK_KIND)
