"""Forms of the sandbox pages (shape only; the rules are the services')."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from laif.accounts.forms import BaseForm, NoNulCharField
from laif.sandbox.models import ColumnClass, DataKind

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
