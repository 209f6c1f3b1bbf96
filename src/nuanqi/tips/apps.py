from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "nuanqi.tips"
    verbose_name = "巡察"
