from django.urls import path

from laif.fund import application_views, instrument_views, views

urlpatterns = [
    path("statements/<int:statement_id>/cashback/", views.cashback_box, name="cashback_box"),
    path("statements/<int:statement_id>/cashback/claim/", views.claim_compute,
         name="cashback_claim_compute"),
    path("organisations/<int:org_id>/cashback/", views.claims, name="cashback_claims"),
    path("staff/cashback/", views.claims_queue, name="staff_cashback_queue"),
    path("organisations/<int:org_id>/aid/", views.aid_declare, name="aid_declare"),
    path("organisations/<int:org_id>/funding/", views.funding_check, name="funding_check"),
    path("organisations/<int:org_id>/funding/applications/", application_views.applications_page,
         name="funding_applications"),
    path("funding/applications/<int:application_id>/submit/",
         application_views.application_submit, name="funding_application_submit"),
    path("funding/applications/<int:application_id>/grant/",
         application_views.application_grant, name="funding_application_grant"),
    path("funding/applications/<int:application_id>/refuse/",
         application_views.application_refuse, name="funding_application_refuse"),
    path("cashback/claims/<int:claim_id>/submit/", views.claim_submit,
         name="cashback_claim_submit"),
    path("cashback/claims/<int:claim_id>/recompute/", views.claim_recompute,
         name="cashback_claim_recompute"),
    path("cashback/claims/<int:claim_id>/paid/", views.claim_paid, name="cashback_claim_paid"),
    path("cashback/claims/<int:claim_id>/refuse/", views.claim_refuse,
         name="cashback_claim_refuse"),
    path("staff/funding/", instrument_views.instrument_list, name="funding_instruments"),
    path("staff/funding/<slug:code>/", instrument_views.instrument_publish,
         name="funding_instrument"),
]
