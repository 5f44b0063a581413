from django.urls import path

from laif.billing import views as v

urlpatterns = [
    path("organisations/<int:org_id>/statements/", v.statement_list, name="statement_list"),
    path("organisations/<int:org_id>/statements/issue/", v.statement_issue,
         name="statement_issue"),
    path("statements/<int:statement_id>/", v.statement_detail, name="statement_detail"),
    path("statements/<int:statement_id>/pdf/", v.statement_pdf_view, name="statement_pdf"),
    path("statements/<int:statement_id>/credit-notes/", v.credit_note_new, name="credit_note_new"),
    path("credit-notes/<int:credit_note_id>/pdf/", v.credit_note_pdf_view,
         name="credit_note_pdf"),
]
