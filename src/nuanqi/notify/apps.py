from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "nuanqi.notify"
    verbose_name = "通知"

    def ready(self) -> None:
        # Deliveries are written in the same transaction as the timeline event that causes them.
        from django.db.models.signals import post_save

        from nuanqi.cases.models import Event

        from .outbox import on_event_saved

        post_save.connect(on_event_saved, sender=Event, dispatch_uid="notify_fan_out")
