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
