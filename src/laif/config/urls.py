from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401
from django.contrib import admin
from django.urls import include, path

from laif.accounts import urls as accounts_urls
from laif.accounts import views
from laif.assess import urls as assess_urls
from laif.billing import urls as statement_urls
from laif.compute import urls as compute_urls
from laif.config.api import api
from laif.connect import urls as connect_urls
from laif.entry import urls as entry_urls
from laif.fund import urls as fund_urls
from laif.govern import urls as govern_urls
from laif.green import urls as green_urls
from laif.network import urls as network_urls
from laif.ops import urls as ops_urls
from laif.registry import urls as registry_urls
from laif.reports import urls as reports_urls
from laif.sandbox import urls as sandbox_urls
from laif.train import urls as train_urls

urlpatterns = [
    path("api/", api.urls),
    # Django's set_language view, which also saves a logged-in person's choice to their account.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("sso/", include("social_django.urls", namespace="social")),
    path("", include(ops_urls)),
    path("", include(accounts_urls)),
    path("", include(compute_urls)),
    path("", include(statement_urls)),
    path("", include(fund_urls)),
    path("", include(entry_urls)),
    path("", include(assess_urls)),
    path("", include(sandbox_urls)),
    path("", include(green_urls)),
    path("", include(govern_urls)),
    path("", include(registry_urls)),
    path("", include(train_urls)),
    path("", include(connect_urls)),
    path("", include(network_urls)),
    path("", include(reports_urls)),
]

# The Django admin: everywhere, to staff only (laif.ops.middleware.StaffOnlyMiddleware), or off.
if settings.LAIF_ADMIN_ACCESS != "off":
    urlpatterns.insert(3, path("django-admin/", admin.site.urls))
