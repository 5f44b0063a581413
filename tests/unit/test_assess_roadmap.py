"""A roadmap's draft rules without a database: the prerequisites of the dimensions below their
threshold, weakest first, the services they propose, and the bounds of a use case's figures."""

from __future__ import annotations

from laif.assess import roadmap
from laif.catalogue.assess import load_questionnaire

Q = load_questionnaire()
MIDDLING = {"strategy": 60, "use_cases": 50, "data": 70, "infrastructure": 80, "skills": 55,
            "governance": 90, "adoption": 30}


def test_only_dimensions_below_their_threshold_ask_for_something_weakest_first() -> None:
    assert roadmap.prerequisites(MIDDLING, Q) == ()  # 50 is not below 50; adoption's is 30
    weak = {**MIDDLING, "data": 12, "governance": 40, "adoption": 29, "skills": 12}
    needs = roadmap.prerequisites(weak, Q)
    assert [(n.dimension, n.score) for n in needs] == [
        ("data", 12), ("skills", 12), ("adoption", 29), ("governance", 40)]
    assert needs[0].prerequisite.in_language("fr").startswith("Inventoriez les données")


def test_services_come_from_the_prerequisites_each_once_with_gpus_when_a_model_is_trained(
        ) -> None:
    needs = roadmap.prerequisites({**MIDDLING, "strategy": 10, "adoption": 0}, Q)
    assert roadmap.services_for(needs, gpu=False) == ["awareness"]  # both name it
    assert roadmap.services_for(needs, gpu=True) == ["awareness", "gpu_allocation"]


def test_figures_out_of_bounds_name_their_field() -> None:
    def check(roi: int | None = 15, months: int = 12, hours: int | None = 800) -> str | None:
        return roadmap.check_figures(roi_percent=roi, horizon_months=months, gpu_hours=hours)

    assert check() is None
    assert check(roi=None, hours=None) is None
    assert check(roi=1001) == "roi_percent"
    assert check(months=61) == "horizon_months"
    assert check(months=0) == "horizon_months"
    assert check(hours=0) == "gpu_hours"
