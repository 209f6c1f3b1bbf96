from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "nuanqi.projects"
    verbose_name = "民生实事与重点工程"

    def ready(self) -> None:
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from nuanqi.attachments.access import register_owner
        from nuanqi.cases.access import register_subject
        from nuanqi.cases.kinds import register_kind

        from .access import can_view_report_file
        from .models import ProgressReport
        from .visits import SUBJECT, resolve_project
        from .workflow import PROJECT_KIND

        register_kind(PROJECT_KIND)
        from .access import visible_projects

        register_subject(
            SUBJECT,
            resolve_project,
            word=_("项目"),
            page=lambda pk: reverse("project_detail", args=[pk]),
            choices=lambda user: list(visible_projects(user).values_list("pk", "name")),
        )
        register_owner(ProgressReport, can_view_report_file)

        from nuanqi.cases.sweeps import register_sweep

        from .sweep import sweep_lights

        register_sweep("project_lights", lambda now, batch: sweep_lights(now, batch=batch))

        from nuanqi.dashboard.panels import Panel, register_panel

        from . import panel

        register_panel(Panel("projects", "projects/_panel.html", panel.context))

        from django.utils.translation import gettext_noop

        from nuanqi.lib.importkinds import ImportKind, register_import

        from . import imports, visit_ledger

        register_import(
            ImportKind("projects", gettext_noop("项目"), imports.write_template, imports.run_import, order=60)
        )
        register_import(
            ImportKind(
                "visits", gettext_noop("调研"), visit_ledger.write_template, visit_ledger.run_import, order=65
            )
        )
