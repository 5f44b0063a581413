from django.urls import path

from laif.assess import roadmap_views, views

urlpatterns = [
    path("organisations/<int:org_id>/maturity/", views.maturity, name="maturity"),
    path("organisations/<int:org_id>/maturity/take/", views.take, name="maturity_take"),
    path("organisations/<int:org_id>/roadmap/", roadmap_views.roadmap_page, name="roadmap"),
    path("organisations/<int:org_id>/roadmap/draft/", roadmap_views.roadmap_draft,
         name="roadmap_draft"),
    path("organisations/<int:org_id>/roadmap/pdf/", roadmap_views.roadmap_pdf,
         name="roadmap_pdf"),
    path("organisations/<int:org_id>/roadmap/use-cases/new/", roadmap_views.use_case_edit,
         name="use_case_new"),
    path("organisations/<int:org_id>/roadmap/use-cases/<int:use_case_id>/",
         roadmap_views.use_case_edit, name="use_case_edit"),
    path("organisations/<int:org_id>/roadmap/use-cases/<int:use_case_id>/delete/",
         roadmap_views.use_case_delete, name="use_case_delete"),
]
