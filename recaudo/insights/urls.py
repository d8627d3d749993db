from django.urls import path

from recaudo.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:page>/", views.page, name="page"),
    path("<slug:page>/<slug:table>.csv", views.table_csv, name="csv"),
    path("<slug:page>/<slug:table>.xlsx", views.table_xlsx, name="xlsx"),
]
