from django.apps import AppConfig


class BenchrefConfig(AppConfig):
    """Reference endpoints for benchmarks; installed only when NUANQI_BENCH=1 (never in production)."""

    name = "nuanqi.benchref"
    label = "benchref"
    default_auto_field = "django.db.models.BigAutoField"
