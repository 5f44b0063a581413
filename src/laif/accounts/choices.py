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
