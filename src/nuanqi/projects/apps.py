from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "nuanqi.projects"
    verbose_name = "民生实事与重点工程"

    def ready(self) -> None:
        from nuanqi.attachments.access import register_owner

        from .access import can_view_report_file
        from .models import ProgressReport

        register_owner(ProgressReport, can_view_report_file)

        from nuanqi.dashboard.panels import Panel, register_panel

        from . import panel

        register_panel(Panel("projects", "projects/_panel.html", panel.context))
