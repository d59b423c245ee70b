from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from .access import connect_signals

        connect_signals()
