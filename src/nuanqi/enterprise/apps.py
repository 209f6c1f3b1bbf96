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

        from .access import company_followers, visible_companies

        register_subject(
            "company",
            resolve_company,
            word=_("企业"),
            page=lambda pk: reverse("company_detail", args=[pk]),
            choices=lambda user: list(visible_companies(user).values_list("pk", "name")),
            errands=lambda number: reverse("errand_plan", args=[number]),
            followers=company_followers,
        )

        from nuanqi.cases.kinds import register_kind

        from .workflow import TASK_KIND

        register_kind(TASK_KIND)

        # The column guard (nuanqi.columns) covers every nuanqi model, the engine's included; it is connected
        # here, from the first app above the engine, because `cases` may not import what sits above it.
        from django.db.models.signals import pre_save

        from nuanqi.columns import guard

        pre_save.connect(guard, dispatch_uid="nuanqi.columns.guard")

        _register_imports()


def _register_imports() -> None:
    """The programme's ledgers and the historical case ledger, on the one import registry."""
    from functools import partial

    from nuanqi.lib.importkinds import ImportKind, register_import

    from . import case_import, import_templates, imports

    for order, kind in enumerate(import_templates.KINDS):
        register_import(
            ImportKind(
                kind,
                import_templates.KIND_LABELS[kind],
                partial(import_templates.write_template, kind),
                partial(imports.run_import, kind),
                order=10 + order,
            )
        )
    register_import(
        ImportKind(
            case_import.KIND, case_import.LABEL, case_import.write_template, case_import.run_import, order=30
        )
    )
