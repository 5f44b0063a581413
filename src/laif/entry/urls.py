from django.urls import path

from laif.entry import views

urlpatterns = [
    path("start/", views.start, name="entry_start"),
    path("start/sent/", views.sent, name="entry_sent"),
    path("start/follow/<str:token>/", views.follow, name="entry_follow"),
    path("requests/", views.mine, name="entry_list"),
    path("requests/<int:intake_id>/", views.detail, name="entry_detail"),
    path("requests/<int:intake_id>/reply/", views.reply, name="entry_reply"),
    path("requests/<int:intake_id>/assign/", views.assign, name="entry_assign"),
    path("requests/<int:intake_id>/status/", views.move, name="entry_status"),
    path("requests/<int:intake_id>/comment/", views.comment, name="entry_comment"),
    path("requests/<int:intake_id>/conclude/", views.conclude, name="entry_conclude"),
    path("staff/inbox/", views.inbox, name="entry_inbox"),
]
