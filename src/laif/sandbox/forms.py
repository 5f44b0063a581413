"""Forms of the sandbox pages (shape only; the rules are the services')."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.sandbox.models import ColumnClass, DataKind, Granularity, PolicyAction

ENCODINGS = [("", pgettext_lazy("encoding", "Detect")), ("utf-8", "UTF-8"),
             ("utf-16", "UTF-16"), ("cp1252", "Windows-1252"), ("latin-1", "ISO-8859-1")]
DELIMITERS = [("", pgettext_lazy("delimiter", "Detect")), (",", _("comma ,")),
              (";", _("semicolon ;")), ("\t", _("tab")), ("|", _("vertical bar |"))]


class UploadForm(BaseForm):
    name = NoNulCharField(label=_("Dataset"), max_length=60,
                          help_text=_("A new name creates a dataset; an existing one adds a "
                                      "version. Letters, digits, '.', '_' and '-'."))
    file = forms.FileField(label=_("CSV or Parquet file"))
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS, required=False)


class ReviewForm(BaseForm):
    """One choice per column, starting from the kind proposed (or already confirmed)."""

    def __init__(self, *args: Any, columns: list[ColumnClass], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        for c in columns:
            self.fields[f"col_{c.position}"] = forms.ChoiceField(
                label=c.name, choices=DataKind.choices, initial=c.kind)

    def kinds(self) -> dict[str, str]:
        return {c.name: self.cleaned_data[f"col_{c.position}"] for c in self.columns}

    def rows(self) -> list[tuple[ColumnClass, forms.BoundField]]:
        return [(c, self[f"col_{c.position}"]) for c in self.columns]


class PolicyForm(BaseForm):
    """Per column: the action, its domain, granularity or band, and its role in the risk
    check. Starts from the saved policy, or the one proposed from the classification."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows_in = rows
        for i, r in enumerate(rows):
            self.fields[f"action_{i}"] = forms.ChoiceField(
                label=_("Action"), choices=PolicyAction.choices, initial=r.action)
            self.fields[f"domain_{i}"] = NoNulCharField(
                label=_("Domain"), max_length=40, required=False, initial=r.domain)
            self.fields[f"granularity_{i}"] = forms.ChoiceField(
                label=_("Granularity"), choices=Granularity.choices, required=False,
                initial=r.granularity)
            self.fields[f"band_{i}"] = forms.IntegerField(
                label=_("Band width"), min_value=1, max_value=10**12, required=False,
                initial=r.band_width)
            self.fields[f"qi_{i}"] = forms.BooleanField(
                label=_("Quasi-identifier"), required=False, initial=r.quasi_identifier)
            self.fields[f"sensitive_{i}"] = forms.BooleanField(
                label=_("Sensitive"), required=False, initial=r.sensitive)

    def table(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(r, [self[f"{p}_{i}"] for p in ("action", "domain", "granularity", "band", "qi",
                                                "sensitive")])
                for i, r in enumerate(self.rows_in)]

    def policy_rows(self) -> list[Any]:
        from laif.sandbox.releases import PolicyRow

        d = self.cleaned_data
        return [PolicyRow(column=r.column, action=d[f"action_{i}"],
                          domain=(d[f"domain_{i}"] or "").strip().lower(),
                          granularity=d[f"granularity_{i}"] or "", band_width=d[f"band_{i}"],
                          quasi_identifier=d[f"qi_{i}"], sensitive=d[f"sensitive_{i}"])
                for i, r in enumerate(self.rows_in)]


class ReleaseForm(BaseForm):
    required_k = forms.IntegerField(
        label=_("k required"), min_value=1, max_value=1000, required=False,
        help_text=_("At least the site's floor; higher if you wish."))
    required_l = forms.IntegerField(
        label=_("l required"), min_value=1, max_value=1000, required=False)
    suppress = forms.BooleanField(
        label=_("Leave out the rows of groups smaller than k"), required=False)


class ReidentificationForm(BaseForm):
    column = forms.ChoiceField(label=_("Encrypted column"))
    tokens = NoNulCharField(
        label=_("Encrypted values"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("As they appear in the release (enc_v1_...), one per line; 100 at most."))
    reason = NoNulCharField(label=_("Why"), max_length=1000,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Another data owner reads it before approving."))

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["column"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c, c) for c in columns]
