"""A new district's defaults: the request categories, the time limits and the standard working hours
(nuanqi.defaults; `nuanqi init` puts back any that go missing later)."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from nuanqi.defaults import ensure

    ensure(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_perf_kpi_rollup"),
        ("calendars", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
