from django.urls import path

from laif.network import views

urlpatterns = [
    path("network/", views.network, name="network"),
    path("staff/referrals/", views.referral_list, name="network_referrals"),
    path("staff/referrals/new/", views.refer, name="network_refer"),
    path("staff/referrals/incoming/", views.incoming, name="network_incoming"),
    path("staff/referrals/<int:referral_id>/", views.referral_detail, name="network_referral"),
    path("staff/referrals/<int:referral_id>/status/", views.referral_status,
         name="network_referral_status"),
    path("staff/referrals/<int:referral_id>/conversion/", views.referral_conversion,
         name="network_referral_conversion"),
]
