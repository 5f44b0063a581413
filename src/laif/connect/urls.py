from django.urls import path

from laif.connect import views

urlpatterns = [
    path("connect/", views.find, name="connect_find"),
    path("connect/experts/", views.experts, name="connect_experts"),
    path("connect/introductions/", views.introductions, name="connect_introductions"),
    path("connect/introductions/new/", views.introduction_new, name="connect_introduction_new"),
    path("connect/introductions/<int:introduction_id>/", views.introduction,
         name="connect_introduction"),
    path("staff/experts/", views.contacts, name="connect_contacts"),
]
