from django.urls import path

from laif.registry import views

urlpatterns = [
    path("projects/<int:project_id>/models/", views.models, name="registry_models"),
    path("models/<int:model_id>/", views.model_detail, name="registry_model"),
    path("models/<int:model_id>/deployments/", views.deployment_record,
         name="registry_deployment"),
    path("model-versions/<int:version_id>/", views.version_detail, name="registry_version"),
    path("model-versions/<int:version_id>/alias/", views.alias_request, name="registry_alias"),
    path("model-versions/<int:version_id>/artefact/", views.version_artefact,
         name="registry_artefact"),
    path("model-versions/<int:version_id>/signature/", views.version_signature,
         name="registry_signature"),
    path("alias-requests/<int:request_id>/approve/", views.alias_decide,
         {"verdict": "approve"}, name="registry_approve"),
    path("alias-requests/<int:request_id>/reject/", views.alias_decide,
         {"verdict": "reject"}, name="registry_reject"),
]
