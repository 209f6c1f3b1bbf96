from django.apps import AppConfig


class PatrolConfig(AppConfig):
    name = "nuanqi.patrol"
    verbose_name = "文明城市点位巡查"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from nuanqi.cases.access import register_provider, register_subject
        from nuanqi.cases.kinds import register_kind

        from .access import SUBJECT, PatrolAccess, resolve_point
        from .workflow import PATROL_KIND

        register_kind(PATROL_KIND)
        register_provider(PatrolAccess())
        register_subject(SUBJECT, resolve_point, word=_("点位"))

        from nuanqi.dashboard.panels import Panel, register_panel

        from .report import panel

        register_panel(Panel("patrol", "patrol/_panel.html", panel))

        from nuanqi.attachments.access import register_owner
        from nuanqi.cases.sweeps import register_sweep

        from .models import ZombieCar
        from .zombies import remind, visible_zombie_cars

        register_owner(ZombieCar, lambda user, car: visible_zombie_cars(user).filter(pk=car.pk).exists())
        register_sweep("zombie_notice", remind)

        from django.utils.translation import gettext_noop

        from nuanqi.lib.importkinds import ImportKind, register_import

        from . import ledger

        register_import(
            ImportKind(
                "points", gettext_noop("巡查点位"), ledger.write_points, ledger.import_points, order=50
            )
        )
