from django.db import migrations, models


def create_search(apps, schema_editor):
    # Full-text search over cases (cases/search.py): bigram terms of title, description and subject.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TABLE cases_search (case_id bigint PRIMARY KEY, terms tsvector NOT NULL)"
        )
        schema_editor.execute("CREATE INDEX cases_search_terms ON cases_search USING gin (terms)")
    else:
        schema_editor.execute(
            "CREATE VIRTUAL TABLE cases_search USING fts5(terms, content='', tokenize='unicode61')"
        )
    from nuanqi.cases.search import index_row, write_index_rows

    Case = apps.get_model("cases", "Case")
    rows = Case.objects.values_list("id", "title", "description", "subject_label").iterator(chunk_size=2000)
    write_index_rows(index_row(*r) for r in rows)


def drop_search(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS cases_search")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_sla_sweeps"),
    ]

    operations = [
        migrations.RunPython(create_search, drop_search),
        # 我的清单 of the office: extension requests awaiting approval (visibility.my_worklist).
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("extension_pending__isnull", False)),
                fields=["id"],
                name="case_extension_pending",
            ),
        ),
        # A unit handler's visibility through co-handling tasks, index-only (visibility._unit_q).
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["unit", "case"], name="task_unit_case"),
        ),
    ]
