from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "nuanqi.consult"
    verbose_name = "请你来协商"

    def ready(self) -> None:
        from django.urls import reverse
        from django.utils.translation import gettext_lazy as _

        from nuanqi.attachments.access import register_owner
        from nuanqi.cases.access import register_provider, register_subject
        from nuanqi.cases.kinds import register_kind

        from .access import SUBJECT, ConsultAccess, can_view_session_file, resolve_session
        from .models import Session
        from .workflow import CONSULT_KIND

        register_kind(CONSULT_KIND)
        register_provider(ConsultAccess())
        register_subject(
            SUBJECT,
            resolve_session,
            word=_("协商活动"),
            page=lambda pk: reverse("consult_session", args=[pk]),
        )
        register_owner(Session, can_view_session_file)

        from nuanqi.dashboard.panels import Panel, register_panel

        from . import panel

        register_panel(Panel("consult", "consult/_panel.html", panel.context))

        from django.utils.translation import gettext_noop

        from nuanqi.lib.importkinds import ImportKind, register_import

        from . import ledger

        register_import(
            ImportKind(
                "consult_sessions",
                gettext_noop("协商活动"),
                ledger.write_sessions_template,
                ledger.run_sessions_import,
                order=70,
            )
        )
