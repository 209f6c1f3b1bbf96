from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "nuanqi.calendars"
    verbose_name = "工作日历"
