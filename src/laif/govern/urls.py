from django.urls import path

from laif.govern import views

urlpatterns = [
    path("organisations/<int:org_id>/ai-systems/", views.systems, name="ai_systems"),
    path("ai-systems/<int:system_id>/", views.system_detail, name="ai_system"),
    path("ai-systems/<int:system_id>/classify/", views.classify, name="ai_system_classify"),
    path("ai-systems/<int:system_id>/obligations/<slug:key>/", views.obligation,
         name="ai_system_obligation"),
]
