"""Web forms: shape and type checks only. Business rules (VAT, RCS, passwords, SSH keys, roles)
live in the services, whose ``DomainError`` is put back on the form with ``add_domain_error``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from laif.accounts.choices import (
    OrganisationKind,
    OrgRole,
    ProjectRole,
    Sector,
    SmeHolderKind,
    SmeStakeDirection,
)
from laif.accounts.errors import DomainError
from laif.accounts.models import Membership, Organisation
from laif.accounts.selectors import AuditFilter
from laif.accounts.services import OrganisationData

# EU member states, then the other EEA states, Switzerland and the United Kingdom.
COUNTRIES: list[tuple[str, Any]] = [
    ("LU", _("Luxembourg")),
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("HR", _("Croatia")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("GR", _("Greece")),
    ("HU", _("Hungary")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("LV", _("Latvia")),
    ("LT", _("Lithuania")),
    ("MT", _("Malta")),
    ("NL", _("Netherlands")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SK", _("Slovakia")),
    ("SI", _("Slovenia")),
    ("ES", _("Spain")),
    ("SE", _("Sweden")),
    ("IS", _("Iceland")),
    ("LI", _("Liechtenstein")),
    ("NO", _("Norway")),
    ("CH", _("Switzerland")),
    ("GB", _("United Kingdom")),
]
COUNTRY_NAMES = dict(COUNTRIES)

MAX_EUR = Decimal("9999999999999.99")


class BaseForm(forms.Form):
    """Adds ``add_domain_error``: a service error shown on the field it names, or on the form."""

    field_aliases: dict[str, str] = {}
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        name = self.field_aliases.get(exc.field or "", exc.field)
        self.add_error(name if name in self.fields else None, exc.message)


class NoNulCharField(forms.CharField):
    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if isinstance(value, str) and "\x00" in value:
            raise forms.ValidationError(_("This field contains a NUL character."))
        return value


class LoginForm(BaseForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "username",
                                                            "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))


class PasswordPairMixin(forms.Form):
    password = forms.CharField(
        label=_("Password"), max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common or all-numeric password."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"), max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class OrganisationForm(BaseForm):
    """An organisation's legal data, as at sign-up and when its admin edits it."""

    name = NoNulCharField(label=_("Legal name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES, initial="LU")
    rcs_number = NoNulCharField(
        label=_("RCS number"), max_length=20, required=False,
        help_text=_("Luxembourg Trade and Companies Register, e.g. B123456."),
    )
    vat_number = NoNulCharField(
        label=_("VAT number"), max_length=20, required=False,
        help_text=_("EU VAT identification number, e.g. LU15027442."),
    )
    address = NoNulCharField(
        label=_("Postal address"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        help_text=_("As on an envelope, the street and the postcode and town each on a line: "
                    "shown on your statements."),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=[("", _("Choose…")), *Sector.choices])
    kind = forms.ChoiceField(label=_("Kind of organisation"),
                             choices=[("", _("Choose…")), *OrganisationKind.choices])
    staff_headcount = forms.IntegerField(
        label=_("Staff headcount"), min_value=0, max_value=10_000_000, required=False,
        help_text=_("Annual work units, as in the EU SME definition."),
    )
    annual_turnover_eur = forms.DecimalField(
        label=_("Annual turnover (EUR)"), min_value=Decimal(0), max_value=MAX_EUR,
        max_digits=15, decimal_places=2, required=False,
    )
    balance_sheet_eur = forms.DecimalField(
        label=_("Balance sheet total (EUR)"), min_value=Decimal(0), max_value=MAX_EUR,
        max_digits=15, decimal_places=2, required=False,
    )

    legal_fields = ("name", "country", "rcs_number", "vat_number", "address", "sector", "kind")
    figure_fields = ("staff_headcount", "annual_turnover_eur", "balance_sheet_eur")
    organisation_fields = legal_fields + figure_fields

    @classmethod
    def initial_of(cls, org: Organisation) -> dict[str, Any]:
        return {name: getattr(org, name) for name in cls.organisation_fields}

    def organisation_data(self) -> OrganisationData:
        return OrganisationData(**{name: self.cleaned_data[name]
                                   for name in self.organisation_fields})

    def organisation_section(self) -> list[forms.BoundField]:
        return [self[name] for name in self.legal_fields]

    def figures_section(self) -> list[forms.BoundField]:
        return [self[name] for name in self.figure_fields]

    def figures_given(self) -> bool:
        """Whether the form holds any figure (a form sent back keeps its section open)."""
        return any(self[name].value() not in (None, "") for name in self.figure_fields)


class SignUpForm(PasswordPairMixin, OrganisationForm):
    first_name = NoNulCharField(label=_("First name"), max_length=150)
    last_name = NoNulCharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    person_fields = ("first_name", "last_name", "email", "password", "password2")

    def person_section(self) -> list[forms.BoundField]:
        return [self[name] for name in self.person_fields]


class InvitationAcceptForm(PasswordPairMixin, BaseForm):
    first_name = NoNulCharField(label=_("First name"), max_length=150)
    last_name = NoNulCharField(label=_("Last name"), max_length=150)

    field_order = ["first_name", "last_name", "password", "password2"]


class InviteForm(BaseForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=OrgRole.choices, initial=OrgRole.MEMBER)


class RoleForm(BaseForm):
    role = forms.ChoiceField(label=_("Role"), choices=OrgRole.choices)


def member_choices(memberships: Iterable[Membership]) -> list[tuple[int, str]]:
    return [(m.user_id, f"{m.user.get_full_name() or m.user.email} <{m.user.email}>")
            for m in memberships]


class ProjectForm(BaseForm):
    name = NoNulCharField(label=_("Project name"), max_length=200)
    description = NoNulCharField(label=_("Description"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    lead_id = forms.TypedChoiceField(label=_("Project lead"), coerce=int,
                                     help_text=_("Chosen among the organisation's members."))

    def __init__(self, *args: Any, members: Iterable[Membership] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_id"].choices = member_choices(members)  # type: ignore[attr-defined]


class ProjectMemberForm(BaseForm):
    user_id = forms.TypedChoiceField(label=_("Person"), coerce=int)
    role = forms.ChoiceField(label=_("Role"), choices=ProjectRole.choices,
                             initial=ProjectRole.MEMBER)

    def __init__(self, *args: Any, members: Iterable[Membership] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user_id"].choices = member_choices(members)  # type: ignore[attr-defined]


class SshKeyForm(BaseForm):
    title = NoNulCharField(label=_("Title"), max_length=100, required=False,
                           help_text=_("A name to recognise the key, e.g. laptop."))
    public_key = forms.CharField(
        label=_("Public key"), max_length=16_384,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off",
                                     "placeholder": "ssh-ed25519 AAAA… you@laptop"}),
        help_text=_("Paste the content of your .pub file, e.g. ~/.ssh/id_ed25519.pub. "
                    "Never paste your private key."),
    )


class TokenForm(BaseForm):
    name = NoNulCharField(label=_("Name"), max_length=100,
                          help_text=_("What the token is for, e.g. my laptop's CLI."))
    expires_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=730,
                                      required=False)


MAX_AWU = Decimal("9999999.99")


class SmeDeclarationForm(BaseForm):
    """A year's own figures (the holdings come in ``SmeStakeFormSet``)."""

    year = forms.IntegerField(label=_("Accounting year"), min_value=1990, max_value=2100,
                              help_text=_("The last closed year, with approved accounts."))
    staff_awu = forms.DecimalField(
        label=_("Staff headcount (annual work units)"), min_value=Decimal(0), max_value=MAX_AWU,
        max_digits=9, decimal_places=2,
        help_text=_("Full-time staff count as 1, part-time and seasonal staff as fractions."))
    turnover_eur = forms.DecimalField(label=_("Annual turnover (EUR, excluding VAT)"),
                                      min_value=Decimal(0), max_value=MAX_EUR, max_digits=15,
                                      decimal_places=2)
    balance_sheet_eur = forms.DecimalField(label=_("Balance sheet total (EUR)"),
                                           min_value=Decimal(0), max_value=MAX_EUR,
                                           max_digits=15, decimal_places=2)
    estimated = forms.BooleanField(
        label=_("Bona fide estimates: the enterprise is new and has no approved accounts yet"),
        required=False)
    ownership_changed = forms.BooleanField(
        label=_("The ownership changed during the year (acquisition, merger, new partner or "
                "linked enterprise)"), required=False)


class SmeStakeForm(BaseForm):
    """One holding: an enterprise that holds a share of ours, or one we hold a share of."""

    name = NoNulCharField(label=_("Enterprise or investor"), max_length=200)
    direction = forms.ChoiceField(label=_("Direction"), choices=SmeStakeDirection.choices,
                                  initial=SmeStakeDirection.UPSTREAM)
    holder_kind = forms.ChoiceField(label=_("Kind"), choices=SmeHolderKind.choices,
                                    initial=SmeHolderKind.ENTERPRISE)
    capital_percent = forms.DecimalField(label=_("Capital (%)"), min_value=Decimal(0),
                                         max_value=Decimal(100), max_digits=5, decimal_places=2)
    votes_percent = forms.DecimalField(label=_("Voting rights (%)"), min_value=Decimal(0),
                                       max_value=Decimal(100), max_digits=5, decimal_places=2)
    control = forms.BooleanField(label=_("Control (board majority or dominant influence)"),
                                 required=False)
    staff_awu = forms.DecimalField(label=_("Its staff (AWU)"), min_value=Decimal(0),
                                   max_value=MAX_AWU, max_digits=9, decimal_places=2,
                                   required=False)
    turnover_eur = forms.DecimalField(label=_("Its turnover (EUR)"), min_value=Decimal(0),
                                      max_value=MAX_EUR, max_digits=15, decimal_places=2,
                                      required=False)
    balance_sheet_eur = forms.DecimalField(label=_("Its balance sheet (EUR)"),
                                           min_value=Decimal(0), max_value=MAX_EUR,
                                           max_digits=15, decimal_places=2, required=False)
    invested_eur = forms.DecimalField(label=_("Invested by a business angel (EUR)"),
                                      min_value=Decimal(0), max_value=MAX_EUR, max_digits=15,
                                      decimal_places=2, required=False)


SmeStakeFormSet = forms.formset_factory(SmeStakeForm, extra=3, max_num=50, validate_max=True)


class SmeReviewForm(BaseForm):
    note = NoNulCharField(label=_("Note"), max_length=1000, required=False,
                          widget=forms.Textarea(attrs={"rows": 2}),
                          help_text=_("What was checked (verification), or why the declaration "
                                      "is rejected (required to reject)."))


AUDIT_DAYS = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2100, 12, 31))]


class AuditFilterForm(BaseForm):
    """The audit log's filters (GET): what people did or staff reads, by action, actor, target
    and days."""

    kind = forms.ChoiceField(
        label=_("Show"), required=False, initial="actions",
        choices=[("actions", _("Actions")), ("reads", _("Staff reads of client data")),
                 ("all", _("Everything"))])
    action = NoNulCharField(label=_("Action starts with"), max_length=64, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "login."}))
    actor = NoNulCharField(label=_("Actor"), max_length=254, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "admin@acme.lu"}))
    target = NoNulCharField(label=_("Target starts with"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "project:12"}))
    since = forms.DateField(label=_("From"), required=False, validators=AUDIT_DAYS,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=_("To"), required=False, validators=AUDIT_DAYS,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def filters(self) -> AuditFilter:
        """The filters chosen (the defaults where the form is not valid)."""
        if not self.is_bound or not self.is_valid():
            return AuditFilter()
        d = self.cleaned_data
        return AuditFilter(kind=d["kind"] or "actions", action=d["action"].strip(),
                           actor=d["actor"].strip(), target=d["target"].strip(),
                           since=d["since"], until=d["until"])
