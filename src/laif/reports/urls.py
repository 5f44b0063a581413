from django.urls import path

from laif.reports import views as v

urlpatterns = [
    path("staff/kpis/", v.kpis_page, name="staff_kpis"),
    path("staff/kpis/csv/", v.kpis_csv, name="staff_kpis_csv"),
    path("staff/kpis/pdf/", v.kpis_pdf, name="staff_kpis_pdf"),
]
