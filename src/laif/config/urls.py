from django.conf.urls.i18n import i18n_patterns  # noqa: F401
from django.contrib import admin
from django.urls import include, path

from laif.accounts import urls as accounts_urls
from laif.config.api import api

urlpatterns = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sso/", include("social_django.urls", namespace="social")),
    path("django-admin/", admin.site.urls),
    path("", include(accounts_urls)),
]
