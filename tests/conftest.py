"""Suite-wide test set-up.

Under ``pytest -n 2 --dist loadgroup`` every test module is one group (as ``--dist loadfile``
would make it, so module-scoped fixtures are built once), except that every ``spark`` test joins
one group: they then share one worker and so one JVM and SparkSession, whose start-up dominates
their cost.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = "spark" if item.get_closest_marker("spark") else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


# Tests run Spark on tiny tables, where planning dominates: one partition, no code generation, no
# adaptive re-planning.
SPARK_TEST_SETTINGS = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "3g",
}


@pytest.fixture(scope="session")
def spark_session() -> object:
    """The one SparkSession of this test process (every ``spark`` test runs in one worker)."""
    pytest.importorskip("pyspark")
    from yibao.store.warehouse import local_spark

    session = local_spark(SPARK_TEST_SETTINGS)
    session.sparkContext.setLogLevel("ERROR")  # type: ignore[attr-defined]
    return session
