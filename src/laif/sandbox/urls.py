from django.urls import path

from laif.sandbox import views

urlpatterns = [
    path("projects/<int:project_id>/sandbox/", views.project_sandbox, name="sandbox"),
    path("sandbox/versions/<int:version_id>/", views.version_page, name="sandbox_version"),
    path("sandbox/versions/<int:version_id>/policy/", views.policy_save, name="sandbox_policy"),
    path("sandbox/versions/<int:version_id>/release/", views.release_new,
         name="sandbox_release_new"),
    path("sandbox/releases/<int:release_id>/", views.release_page, name="sandbox_release"),
]
