from django.urls import path

from laif.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_view, name="signup"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<int:org_id>/", views.organisation_detail, name="organisation"),
    path("organisations/<int:org_id>/invitations/", views.organisation_invite,
         name="organisation_invite"),
    path("organisations/<int:org_id>/members/<int:user_id>/role/", views.membership_role,
         name="membership_role"),
    path("organisations/<int:org_id>/projects/new/", views.project_create,
         name="project_create"),
    path("invitations/<str:token>/", views.invitation_view, name="invitation"),
    path("projects/", views.project_list, name="projects"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/members/", views.project_member_add,
         name="project_member_add"),
    path("projects/<int:project_id>/members/<int:user_id>/remove/", views.project_member_remove,
         name="project_member_remove"),
    path("account/", views.account, name="account"),
    path("account/ssh-keys/", views.ssh_key_add, name="ssh_key_add"),
    path("account/ssh-keys/<int:key_id>/delete/", views.ssh_key_delete, name="ssh_key_delete"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("staff/audit/", views.audit_log, name="audit"),
    path("staff/audit/verify/", views.audit_verify, name="audit_verify"),
    path("staff/identities/", views.identities, name="identities"),
]
