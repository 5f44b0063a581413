from django.urls import path, re_path

from laif.sandbox import views

urlpatterns = [
    path("projects/<int:project_id>/sandbox/", views.project_sandbox, name="sandbox"),
    path("sandbox/versions/<int:version_id>/", views.version_page, name="sandbox_version"),
    path("sandbox/versions/<int:version_id>/policy/", views.policy_save, name="sandbox_policy"),
    path("sandbox/versions/<int:version_id>/release/", views.release_new,
         name="sandbox_release_new"),
    path("sandbox/releases/<int:release_id>/", views.release_page, name="sandbox_release"),
    path("sandbox/releases/<int:release_id>/reidentify/", views.reid_request,
         name="sandbox_reid_request"),
    re_path(r"^sandbox/reidentifications/(?P<request_id>[0-9]+)/(?P<decision>approve|refuse)/$",
            views.reid_decide, name="sandbox_reid_decide"),
    path("sandbox/reidentifications/<int:request_id>/reveal/", views.reid_reveal,
         name="sandbox_reid_reveal"),
]
