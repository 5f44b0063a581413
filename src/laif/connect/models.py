"""Who answers for an expert of the directory (the catalogue's teams have no accounts of their
own), and the introductions companies ask of them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExpertContact(models.Model):
    """A person who answers introduction requests for an expert of the directory; their
    address and phone go to a company only once an introduction is accepted."""

    expert_key = models.CharField(max_length=80)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="expert_contacts")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["expert_key", "pk"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["expert_key", "user"], name="expertcontact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.expert_key}"


class IntroductionStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Introduction(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    expert_key = models.CharField(max_length=80)
    need = models.TextField(max_length=2000)
    sector = models.CharField(max_length=30, blank=True)
    language = models.CharField(max_length=2)
    # why the match was made, as it was shown when the request was sent
    competences = models.JSONField(default=list)
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=IntroductionStatus.choices,
                              default=IntroductionStatus.REQUESTED)
    answer = models.TextField(max_length=2000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["organisation", "expert_key"],
                                    condition=Q(status="requested"),
                                    name="introduction_one_open_per_expert"),
        ]

    def __str__(self) -> str:
        return f"introduction {self.pk} to {self.expert_key}"
