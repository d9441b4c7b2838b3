from django.urls import path

from sealpost.verify import views

app_name = "verify"

urlpatterns = [
    path("", views.index, name="index"),
    path("hash/<str:sha256>/", views.by_hash, name="hash"),
    path("file/<str:token>/", views.by_file, name="file"),
    path("<str:code>/", views.by_code, name="code"),
]
