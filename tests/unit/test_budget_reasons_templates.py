"""Pure pieces of the jobs slice: budget arithmetic, pending reasons in plain words, templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from laif.catalogue import CatalogueError
from laif.catalogue.job_templates import JOBS_DIR, job_templates, parse_templates
from laif.jobs.reasons import plain_reason
from laif.usage import budget


def test_worst_case_counts_array_gpus_and_minutes() -> None:
    assert budget.worst_case(array_size=4, gpus=2, time_limit_minutes=30) == 240
    assert budget.worst_case(array_size=1, gpus=0, time_limit_minutes=30) == 0
    with pytest.raises(ValueError, match="positive"):
        budget.worst_case(array_size=0, gpus=1, time_limit_minutes=1)


def test_remaining_subtracts_used_and_reserved() -> None:
    figures = budget.BudgetFigures(granted=6000, used=1000, reserved=3000, requested=2000)
    assert figures.remaining == 2000
    assert budget.check(figures) is figures
    over = budget.BudgetFigures(granted=6000, used=1000, reserved=3000, requested=2001)
    with pytest.raises(budget.BudgetExceeded, match="needs 2001 GPU-minutes, 2000 remain"):
        budget.check(over)
    spent = budget.BudgetFigures(granted=10, used=20, reserved=0, requested=0)
    assert spent.fits is False


def test_pending_reasons_in_plain_words() -> None:
    assert plain_reason("AssocGrpGRESMinutes") == "the project's GPU budget is spent"
    assert plain_reason("Priority") == "other jobs with a higher priority are ahead of it"
    assert plain_reason("Resources") == "it waits for enough free GPUs"
    assert plain_reason("None") == ""
    assert plain_reason("") == ""
    assert plain_reason("SomethingNew") == "waiting (SomethingNew)"


def test_job_templates_are_versioned_scripts() -> None:
    catalogue = job_templates()
    assert catalogue.version >= 1
    keys = {t.key for t in catalogue.templates}
    assert keys == {"pytorch_ddp", "fine_tuning", "batch_inference", "array"}
    ddp = catalogue.get("pytorch_ddp")
    assert ddp is not None
    assert "torchrun" in ddp.script
    assert ddp.script.startswith("#!/bin/bash")
    assert ddp.title_in("fr").startswith("Entraînement")
    array = catalogue.get("array")
    assert array is not None
    assert array.array_size > 1
    assert catalogue.get("nope") is None


def test_bad_template_files_are_refused(tmp_path: Path) -> None:
    data = json.loads((JOBS_DIR / "templates.json").read_text())
    with pytest.raises(CatalogueError, match="no script"):
        parse_templates(data, tmp_path)
    data["templates"][0]["gpus"] = -1
    with pytest.raises(CatalogueError, match="'gpus'"):
        parse_templates(data, JOBS_DIR)
    with pytest.raises(CatalogueError, match="templates"):
        parse_templates({"templates": None}, JOBS_DIR)


def test_pending_reasons_in_french() -> None:
    from django.utils import translation

    with translation.override("fr"):
        assert plain_reason("AssocGrpGRESMinutes") == "le budget GPU du projet est épuisé"
