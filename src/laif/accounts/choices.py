"""The accounts context's named values (sectors, kinds, roles): public, for other apps to name them
without importing the models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    FINANCE = "finance", _("Finance")
    SPACE = "space", _("Space")
    CYBERSECURITY = "cybersecurity", _("Cybersecurity")
    INDUSTRY = "industry", _("Industry and green economy")
    HEALTH = "health", _("Health")
    PUBLIC = "public", _("Public sector")
    RESEARCH = "research", _("Research")
    OTHER = "other", _("Other")


class OrganisationKind(models.TextChoices):
    COMPANY = "company", _("Company")
    STARTUP = "startup", _("Start-up")
    RESEARCH = "research", _("Research organisation")
    PUBLIC = "public", _("Public body")


class SmeClassChoice(models.TextChoices):
    MICRO = "micro", _("Micro enterprise")
    SMALL = "small", _("Small enterprise")
    MEDIUM = "medium", _("Medium-sized enterprise")
    LARGE = "large", _("Large enterprise")


class SmeDeclarationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, to verify")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class SmeStakeDirection(models.TextChoices):
    UPSTREAM = "upstream", _("Holds a share of us")
    DOWNSTREAM = "downstream", _("We hold a share of it")


class SmeHolderKind(models.TextChoices):
    # the values of laif.accounts.sme_status.HolderKind (a test checks they match)
    ENTERPRISE = "enterprise", _("Enterprise or person")
    PUBLIC_BODY = "public_body", _("Public body")
    INVESTMENT_COMPANY = "investment_company", _(
        "Public investment corporation or venture capital company")
    BUSINESS_ANGEL = "business_angel", _("Business angel")
    UNIVERSITY = "university", _("University or non-profit research centre")
    INSTITUTIONAL_INVESTOR = "institutional_investor", _(
        "Institutional investor or regional development fund")
    SMALL_LOCAL_AUTHORITY = "small_local_authority", _(
        "Local authority (budget under EUR 10 million, under 5,000 inhabitants)")


class SmeRelation(models.TextChoices):
    NONE = "none", _("Autonomous (not counted)")
    PARTNER = "partner", _("Partner enterprise (added pro rata)")
    LINKED = "linked", _("Linked enterprise (added in full)")


class OrgRole(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")
    MEMBER = "member", _("Member")


class StaffRoleName(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    REVIEWER = "reviewer", _("Reviewer")
    TRAINER = "trainer", _("Trainer")
    AUDITOR = "auditor", _("Auditor")


class ProjectRole(models.TextChoices):
    LEAD = "lead", _("Project lead")
    MEMBER = "member", _("Project member")
