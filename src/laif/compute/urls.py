from django.urls import path

from laif.compute import allocation_views, balance_views, views
from laif.jobs import views as job_views
from laif.usage import views as usage_views

urlpatterns = [
    path("compute/", views.home, name="compute"),
    path("compute/balance/", balance_views.balance, name="compute_balance"),
    path("projects/<int:project_id>/balance/", balance_views.balance,
         name="compute_project_balance"),
    path("compute/requests/<int:request_id>/", views.request_detail, name="compute_request"),
    path("compute/requests/<int:request_id>/withdraw/", views.request_withdraw,
         name="compute_request_withdraw"),
    path("compute/requests/<int:request_id>/resubmit/", views.request_resubmit,
         name="compute_request_resubmit"),
    path("compute/requests/<int:request_id>/review/", views.request_review,
         name="compute_request_review"),
    path("compute/review/", views.review_queue, name="compute_review_queue"),
    path("compute/allocations/<int:allocation_id>/", allocation_views.allocation_detail,
         name="compute_allocation"),
    path("compute/pools/", views.pools, name="compute_pools"),
    path("compute/pools/eurohpc-import/", views.eurohpc_import, name="compute_eurohpc_import"),
    path("projects/<int:project_id>/allocation-requests/new/", views.request_new,
         name="compute_request_new"),
    path("projects/<int:project_id>/jobs/", job_views.project_jobs, name="compute_jobs"),
    path("projects/<int:project_id>/usage/", usage_views.project_usage, name="compute_usage"),
    path("projects/<int:project_id>/jobs/new/", job_views.job_new, name="compute_job_new"),
    path("projects/<int:project_id>/jobs/estimate/", job_views.job_estimate,
         name="compute_job_estimate"),
    path("compute/jobs/<int:job_id>/", job_views.job_detail, name="compute_job"),
    path("compute/jobs/<int:job_id>/cancel/", job_views.job_cancel, name="compute_job_cancel"),
    path("compute/jobs/<int:job_id>/output.txt", job_views.job_output_download,
         name="compute_job_output"),
]
