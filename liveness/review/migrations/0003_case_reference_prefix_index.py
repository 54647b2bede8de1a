"""An index for the queue's search by the start of a reference, in any case.

Django's ``reference__istartswith`` is ``UPPER("reference"::text) LIKE UPPER('abc%')``: a plain
index on ``reference`` cannot serve it (the expression differs, and LIKE needs pattern ordering
under a non-C collation), so it would scan the whole table. This expression index with
``text_pattern_ops`` makes it a range scan. Built CONCURRENTLY: no lock on a live cases table.
It lives here (the queue is what needs it) as plain SQL on ``cases_case``, followed by an
ANALYZE so the planner has statistics for the expression at once.

PostgreSQL only: the development database of ``scripts/run`` (SQLite) has neither CONCURRENTLY
nor ``text_pattern_ops``, and its small tables need no index for the search.
"""
from django.db import migrations

CREATE = ('CREATE INDEX CONCURRENTLY IF NOT EXISTS case_reference_prefix_idx '
          'ON cases_case (UPPER("reference"::text) text_pattern_ops)')
# Statistics for the new expression: without them the planner guesses 0.5% of the table
# matches any prefix and walks the created_at index instead (3.3 s instead of 0.1 ms at 1M rows).
ANALYZE = "ANALYZE cases_case"
DROP = "DROP INDEX CONCURRENTLY IF EXISTS case_reference_prefix_idx"


def _on_postgresql(*statements: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0001_initial"),
        ("review", "0002_groups"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE, ANALYZE), reverse_code=_on_postgresql(DROP)),
    ]
