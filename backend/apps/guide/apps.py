from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "apps.guide"
    label = "guide"
    verbose_name = "操作指南"
