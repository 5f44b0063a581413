from django.urls import path

from laif.assess import views

urlpatterns = [
    path("organisations/<int:org_id>/maturity/", views.maturity, name="maturity"),
    path("organisations/<int:org_id>/maturity/take/", views.take, name="maturity_take"),
]
