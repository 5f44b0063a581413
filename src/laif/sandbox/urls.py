from django.urls import path

from laif.sandbox import views

urlpatterns = [
    path("projects/<int:project_id>/sandbox/", views.project_sandbox, name="sandbox"),
    path("sandbox/versions/<int:version_id>/", views.version_page, name="sandbox_version"),
]
