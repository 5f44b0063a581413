from django.urls import path

from laif.govern import views

urlpatterns = [
    path("organisations/<int:org_id>/ai-systems/", views.systems, name="ai_systems"),
    path("ai-systems/<int:system_id>/", views.system_detail, name="ai_system"),
    path("ai-systems/<int:system_id>/classify/", views.classify, name="ai_system_classify"),
    path("ai-systems/<int:system_id>/obligations/<slug:key>/", views.obligation,
         name="ai_system_obligation"),
    path("ai-systems/<int:system_id>/annex-iv/", views.annex_iv, name="ai_system_annex_iv"),
    path("ai-systems/<int:system_id>/annex-iv/pdf/", views.annex_iv_pdf,
         name="ai_system_annex_iv_pdf"),
    path("ai-systems/<int:system_id>/incidents/", views.incident_record,
         name="ai_system_incident"),
    path("incidents/<int:incident_id>/reported/", views.incident_reported,
         name="incident_reported"),
    path("ai-systems/<int:system_id>/monitors/", views.monitor_create, name="drift_monitor_new"),
    path("monitors/<int:monitor_id>/", views.monitor_detail, name="drift_monitor"),
    path("monitors/<int:monitor_id>/batches/<int:batch_id>/", views.batch_detail,
         name="drift_batch"),
]
