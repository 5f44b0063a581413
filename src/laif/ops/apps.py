from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "laif.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Operations"
