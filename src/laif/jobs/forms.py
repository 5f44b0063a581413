"""Web forms of the job pages: shape and type checks only; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.allocations import services


class JobForm(BaseForm):
    """A batch job: a template or your own script, and the resources it asks for."""

    name = NoNulCharField(label=_("Name"), max_length=100,
                          help_text=_("e.g. resnet50 fine-tuning, run 3"))
    template = forms.ChoiceField(label=_("Template"), required=False,
                                 help_text=_("Its script and resources are used for what you "
                                             "leave empty."))
    script = NoNulCharField(label=_("Script"), required=False, max_length=100_000,
                            strip=False, widget=forms.Textarea(attrs={"rows": 10,
                                                                      "spellcheck": "false"}),
                            help_text=_("A bash batch script; it runs as you, in the job's "
                                        "own directory. Its resources come from the fields "
                                        "below: no #SBATCH lines."))
    gpus = forms.IntegerField(label=_("GPUs"), min_value=0, max_value=64, required=False)
    time_limit_minutes = forms.IntegerField(label=_("Time limit (minutes)"), min_value=1,
                                            max_value=100_000, required=False)
    partition = forms.ChoiceField(label=_("Partition"))
    array_size = forms.IntegerField(
        label=_("Array tasks"), min_value=1, max_value=100_000, required=False,
        help_text=_("Run the script this many times, each with its own SLURM_ARRAY_TASK_ID."))
    array_throttle = forms.IntegerField(
        label=_("Tasks at a time"), min_value=0, max_value=100_000, required=False,
        help_text=_("At most this many tasks of the array run at the same time (0: no limit). "
                    "The budget still counts every task."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        from laif.catalogue.job_templates import job_templates

        self.fields["template"].choices = [  # type: ignore[attr-defined]
            ("", _("None: my own script")),
            *[(t.key, t.title_in(language)) for t in job_templates().templates]]
        self.fields["partition"].choices = [  # type: ignore[attr-defined]
            (p.name, f"{p.name} ({p.purpose})") for p in services.cluster().partitions]


OUTCOME_CHOICES = [("", _("All")), ("active", _("Waiting or running")),
                   ("completed", _("Completed")), ("failed", _("Failed")),
                   ("cancelled", _("Cancelled"))]


class RunFilterForm(BaseForm):
    """The filters of a project's jobs: how they ended and who ran them (the page's people)."""

    outcome = forms.ChoiceField(label=_("State"), choices=OUTCOME_CHOICES, required=False)
    person = forms.TypedChoiceField(label=_("Person"), coerce=int, empty_value=None,
                                    required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Everyone")), *people]
