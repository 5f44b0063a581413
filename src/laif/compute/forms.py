"""Web forms of the compute pages: shape and type checks only; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.allocations import services
from laif.allocations.awards import MAX_BYTES
from laif.allocations.choices import DataSensitivity
from laif.catalogue.cluster import MAX_PERIOD_MONTHS
from laif.config.apitypes import INT32_MAX


def access_type_choices() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [
        (a.key, _("%(title)s (up to %(hours)s GPU-hours, %(months)d months)") % {
            "title": a.title_in(language), "hours": services.hours(a.max_gpu_hours),
            "months": a.max_duration_months})
        for a in services.cluster().access_types
    ]


class AllocationRequestForm(BaseForm):
    title = NoNulCharField(label=_("Title"), max_length=200,
                           help_text=_("e.g. Fine-tuning a vision model for line 3"))
    access_type = forms.ChoiceField(label=_("Access type"))
    requested_gpu_hours = forms.IntegerField(
        label=_("GPU-hours requested"), min_value=1, max_value=INT32_MAX,
        help_text=_("GPUs x hours: 8 GPUs for 100 hours are 800 GPU-hours."))
    requested_months = forms.IntegerField(
        label=_("Duration (months)"), min_value=1, max_value=MAX_PERIOD_MONTHS,
        help_text=_("How long the project needs the GPU-hours. Each access type lasts up to its "
                    "maximum, within the allocation period: a longer duration is refused here, "
                    "never shortened later."))
    justification = NoNulCharField(
        label=_("Scientific and technical case"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you will run, why it needs GPUs, how you estimated the hours."))
    expected_outputs = NoNulCharField(
        label=_("Expected outputs"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Models, results, publications, a product: what the project will deliver."))
    data_sensitivity = forms.ChoiceField(
        label=_("Data sensitivity"), choices=[("", _("Choose…")), *DataSensitivity.choices],
        help_text=_("The most sensitive data the jobs will read. Personal data will need a "
                    "secure sandbox."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_type"].choices = access_type_choices()  # type: ignore[attr-defined]

    def data_for_service(self) -> services.RequestData:
        d = self.cleaned_data
        return services.RequestData(
            title=d["title"], access_type=d["access_type"],
            requested_gpu_hours=d["requested_gpu_hours"], justification=d["justification"],
            expected_outputs=d["expected_outputs"], data_sensitivity=d["data_sensitivity"],
            requested_months=d["requested_months"],
        )


class SubmitForm(AllocationRequestForm):
    period = forms.ChoiceField(label=_("Allocation period"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, periods: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = periods  # type: ignore[attr-defined]
        self.fields["period"].initial = "current"


DECISIONS = [
    ("approve", _("Approve")),
    ("request_changes", _("Ask for changes")),
    ("reject", _("Reject")),
]


class ReviewForm(BaseForm):
    # no decision chosen beforehand: the reviewer picks one, never approves by not looking
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose a decision.")})
    gpu_hours = forms.IntegerField(
        label=_("GPU-hours granted"), min_value=1, max_value=INT32_MAX, required=False,
        help_text=_("When approving: all the hours requested if left empty; fewer if the case "
                    "does not justify them."))
    comment = NoNulCharField(
        label=_("Comment for the project"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject or ask for changes."))


class AwardImportForm(BaseForm):
    file = forms.FileField(
        label=_("Awards file (JSON or CSV)"),
        help_text=_("Columns: reference, project, gpu_hours, start, end, access_type, title."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ChangeRequestForm(BaseForm):
    """Renewal, extension or top-up of an allocation (``laif.allocations.changes``)."""

    kind = forms.ChoiceField(label=_("What do you need?"), widget=forms.RadioSelect, choices=[
        ("top_up", _("A top-up: more GPU-hours before the allocation ends")),
        ("extension", _("An extension: more time to use the GPU-hours granted")),
        ("renewal", _("A renewal: a new allocation after this one ends")),
    ])
    gpu_hours = forms.IntegerField(
        label=_("GPU-hours"), min_value=0, max_value=INT32_MAX, required=False,
        help_text=_("Top-up: the GPU-hours to add. Renewal: the GPU-hours of the new "
                    "allocation. Not used for an extension."))
    end = forms.DateField(label=_("New end date"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("Extension only; at the latest the end of the "
                                      "allocation's period."))
    justification = NoNulCharField(
        label=_("Why"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened since the grant, what the extra hours or time are for."))
    expected_outputs = NoNulCharField(
        label=_("Expected outputs"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Left empty, those of the allocation's request are kept."))

    def data_for_service(self) -> Any:
        from laif.allocations.changes import ChangeData

        d = self.cleaned_data
        return ChangeData(kind=d["kind"], justification=d["justification"],
                          expected_outputs=d.get("expected_outputs") or "",
                          gpu_hours=d.get("gpu_hours") or 0, end=d.get("end"))
