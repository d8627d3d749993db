from django.urls import path

from recaudo.conversations import desk_views, export, views

app_name = "inbox"

urlpatterns = [
    path("", desk_views.queue, name="queue"),
    path("cola", desk_views.queue_list, name="queue_list"),
    path("agentes/", desk_views.agents, name="agents"),
    path("<int:thread_id>/reasignar", desk_views.reassign, name="reassign"),
    path("<int:thread_id>/", views.thread, name="thread"),
    path("<int:thread_id>/tomar", views.take, name="take"),
    path("<int:thread_id>/responder", views.answer, name="answer"),
    path("<int:thread_id>/rapida/<int:index>", views.canned, name="canned"),
    path("<int:thread_id>/plantilla", views.send_template, name="send_template"),
    path("<int:thread_id>/nota", views.note, name="note"),
    path("<int:thread_id>/resultado", views.outcome, name="outcome"),
    path("<int:thread_id>/devolver", views.hand_back, name="hand_back"),
    path("<int:thread_id>/registro.csv", views.export_csv, name="export_csv"),
    path("<int:thread_id>/registro.pdf", export.export_pdf, name="export_pdf"),
    path("llamadas/", views.calls, name="calls"),
    path("llamadas/lista", views.calls_list, name="calls_list"),
    path("llamadas/<int:task_id>/", views.call, name="call"),
    path("llamadas/<int:task_id>/tomar", views.take_call, name="take_call"),
    path("llamadas/<int:task_id>/registrar", views.record_call, name="record_call"),
]
