from django.urls import path

from laif.fund import views

urlpatterns = [
    path("statements/<int:statement_id>/cashback/", views.cashback_box, name="cashback_box"),
    path("statements/<int:statement_id>/cashback/claim/", views.claim_compute,
         name="cashback_claim_compute"),
    path("organisations/<int:org_id>/cashback/", views.claims, name="cashback_claims"),
    path("organisations/<int:org_id>/aid/", views.aid_declare, name="aid_declare"),
    path("organisations/<int:org_id>/funding/", views.funding_check, name="funding_check"),
    path("cashback/claims/<int:claim_id>/submit/", views.claim_submit,
         name="cashback_claim_submit"),
    path("cashback/claims/<int:claim_id>/recompute/", views.claim_recompute,
         name="cashback_claim_recompute"),
    path("cashback/claims/<int:claim_id>/paid/", views.claim_paid, name="cashback_claim_paid"),
    path("cashback/claims/<int:claim_id>/refuse/", views.claim_refuse,
         name="cashback_claim_refuse"),
]
