"""Forms of the model registry: a version uploaded by hand, a request for an alias, its
decision, a deployment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.registry.models import AliasName


class VersionForm(BaseForm):
    name = NoNulCharField(label=_("Model name"), max_length=100,
                          help_text=_("A new name starts a model; an existing one adds a version."))
    file = forms.FileField(label=_("Model"), help_text=_(
        "An MLflow model directory as zip or tar, or a single model file."))
    job_id = forms.TypedChoiceField(label=_("Training job"), required=False, coerce=int,
                                    empty_value=None)
    datasets = forms.MultipleChoiceField(label=_("Trained on"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    code_ref = NoNulCharField(label=_("Code reference"), max_length=200, required=False,
                              help_text=_("The commit, tag or checksum of the training code."))

    def __init__(self, *args: Any, jobs: list[tuple[int, str]], datasets: list[str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["job_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *jobs]
        picks = self.fields["datasets"]
        assert isinstance(picks, forms.MultipleChoiceField)
        picks.choices = [(d, d) for d in datasets]


class AliasForm(BaseForm):
    alias = forms.ChoiceField(label=_("Alias"), choices=AliasName.choices)
    reason = NoNulCharField(label=_("Why"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(BaseForm):
    note = NoNulCharField(label=_("Note"), max_length=2000, required=False)


class DeploymentForm(BaseForm):
    environment = NoNulCharField(label=_("Environment"), max_length=60,
                                 help_text=_("e.g. production, staging"))
    version_id = forms.TypedChoiceField(label=_("Version"), coerce=int, empty_value=None,
                                        required=False, help_text=_(
                                            "None: the environment is retired."))
    target = NoNulCharField(label=_("Where it runs"), max_length=200, required=False,
                            help_text=_("Your own system, e.g. loans-api on k8s-prod"))
    note = NoNulCharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args: Any, versions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("— retire the environment")), *versions]
