from django.urls import path

from laif.train import views

urlpatterns = [
    path("training/", views.catalogue, name="train_catalogue"),
    path("training/mine/", views.mine, name="train_mine"),
    path("training/courses/new/", views.course_edit, name="train_course_new"),
    path("training/courses/<int:course_id>/", views.course, name="train_course"),
    path("training/courses/<int:course_id>/edit/", views.course_edit, name="train_course_edit"),
    path("training/sessions/<int:session_id>/", views.session, name="train_session"),
    path("training/sessions/<int:session_id>/calendar.ics", views.session_ics,
         name="train_session_ics"),
    path("training/sessions/<int:session_id>/enrol/", views.enrol, name="train_enrol"),
    path("training/sessions/<int:session_id>/seats/", views.session_seats, name="train_seats"),
    path("training/sessions/<int:session_id>/cancel/", views.session_cancel,
         name="train_session_cancel"),
    path("training/sessions/<int:session_id>/attendance/", views.attendance,
         name="train_attendance"),
    path("training/enrolments/<int:enrolment_id>/accept/", views.enrolment_action,
         {"action": "accept"}, name="train_accept"),
    path("training/enrolments/<int:enrolment_id>/decline/", views.enrolment_action,
         {"action": "decline"}, name="train_decline"),
    path("training/enrolments/<int:enrolment_id>/cancel/", views.enrolment_action,
         {"action": "cancel"}, name="train_cancel"),
    path("staff/training/", views.year, name="train_year"),
    path("certificates/<str:uid>/", views.certificate, name="train_certificate"),
    path("certificates/<str:uid>/certificate.pdf", views.certificate_pdf,
         name="train_certificate_pdf"),
]
