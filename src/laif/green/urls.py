from django.urls import path

from laif.green import views as v

urlpatterns = [
    path("organisations/<int:org_id>/footprint/", v.organisation_footprint,
         name="organisation_footprint"),
    path("organisations/<int:org_id>/footprint/csv/", v.organisation_footprint_csv,
         name="organisation_footprint_csv"),
    path("organisations/<int:org_id>/footprint/pdf/", v.organisation_footprint_pdf,
         name="organisation_footprint_pdf"),
    path("projects/<int:project_id>/footprint/", v.project_footprint, name="project_footprint"),
    path("projects/<int:project_id>/footprint/box/", v.project_footprint_box,
         name="project_footprint_box"),
]
