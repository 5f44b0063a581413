from django.urls import path

from laif.ops import views

urlpatterns = [
    path("metrics", views.metrics_view, name="metrics"),
    path("staff/background/", views.background, name="background"),
    path("staff/charts/", views.charts, name="staff_charts"),
]
