"""The bench splits a page's time into SQL, rendering and the rest of the Python
(bench.measure.time_parts): SQL run from inside a template counts as SQL, not as
rendering."""

import time

import pytest
from django.db import connection
from django.template import engines

from bench.measure import time_parts

NAP = 0.06  # seconds


def sql_nap():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_sleep(%s)", [NAP])
        else:
            time.sleep(NAP)  # the nap is then Python's, and the test skips
    return ""


def python_nap():
    time.sleep(NAP)
    return ""


@pytest.mark.django_db
def test_sql_in_a_template_counts_as_sql_not_rendering():
    if connection.vendor != "postgresql":
        pytest.skip("needs a server that can sleep in SQL")
    template = engines["django"].from_string("{{ sql_nap }}{{ python_nap }}")

    def page(_index):
        sql_nap()
        python_nap()
        template.render({"sql_nap": sql_nap, "python_nap": python_nap})

    parts = time_parts(page, repeat=3)
    nap = NAP * 1000
    assert 2 * nap <= parts["SQL"] < 3 * nap, parts
    assert nap <= parts["rendering"] < 2 * nap, parts
    assert nap <= parts["Python"] < 2 * nap, parts
