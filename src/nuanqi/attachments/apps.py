from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "nuanqi.attachments"
    verbose_name = "附件"
