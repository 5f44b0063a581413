from django.conf.urls.i18n import i18n_patterns  # noqa: F401
from django.contrib import admin
from django.urls import include, path

from laif.accounts import urls as accounts_urls
from laif.accounts import views
from laif.compute import statement_urls
from laif.compute import urls as compute_urls
from laif.config.api import api
from laif.fund import urls as fund_urls

urlpatterns = [
    path("api/", api.urls),
    # Django's set_language view, which also saves a logged-in person's choice to their account.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("sso/", include("social_django.urls", namespace="social")),
    path("django-admin/", admin.site.urls),
    path("", include(accounts_urls)),
    path("", include(compute_urls)),
    path("", include(statement_urls)),
    path("", include(fund_urls)),
]
