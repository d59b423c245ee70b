from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "apps.wechat"
    label = "wechat"
