from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "nuanqi.enterprise"
    verbose_name = "暖企"

    def ready(self) -> None:
        from nuanqi.cases.access import register_provider, register_subject

        from .access import EnterpriseAccess, resolve_company

        register_provider(EnterpriseAccess())
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from .access import visible_companies

        register_subject(
            "company",
            resolve_company,
            word=_("企业"),
            page=lambda pk: reverse("company_detail", args=[pk]),
            choices=lambda user: list(visible_companies(user).values_list("pk", "name")),
            errands=lambda number: reverse("errand_plan", args=[number]),
        )

        from nuanqi.cases.kinds import register_kind

        from .workflow import TASK_KIND

        register_kind(TASK_KIND)

        # The column guard (nuanqi.columns) covers every nuanqi model, the engine's included; it is connected
        # here, from the first app above the engine, because `cases` may not import what sits above it.
        from django.db.models.signals import pre_save

        from nuanqi.columns import guard

        pre_save.connect(guard, dispatch_uid="nuanqi.columns.guard")
