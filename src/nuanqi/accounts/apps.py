from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nuanqi.accounts"
    verbose_name = "人员与单位"
