from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "nuanqi.demo"
    verbose_name = "演示数据"
