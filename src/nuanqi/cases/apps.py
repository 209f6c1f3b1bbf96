from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "nuanqi.cases"
    verbose_name = "清单引擎"

    def ready(self) -> None:
        from .workflow import register_request_kind

        register_request_kind()

        from nuanqi.attachments.access import register_owner

        from .models import Case, Event, PublicMessage, Task
        from .visibility import visible_cases

        # A file is readable by whoever may read its case (the same 404 for everyone else).
        register_owner(Case, lambda user, case: visible_cases(user).filter(pk=case.pk).exists())
        register_owner(Task, lambda user, task: visible_cases(user).filter(pk=task.case_id).exists())
        register_owner(Event, lambda user, event: visible_cases(user).filter(pk=event.case_id).exists())
        register_owner(PublicMessage, lambda user, m: visible_cases(user).filter(pk=m.case_id).exists())
