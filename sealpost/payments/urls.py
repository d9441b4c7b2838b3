from django.urls import path

from sealpost.payments import views

app_name = "payments"

urlpatterns = [
    # ECPay
    path("ecpay/notify", views.ecpay_notify, name="ecpay_notify"),
    path("ecpay/return/<str:number>/", views.ecpay_return, name="ecpay_return"),
    # The applicant
    path("checkout/<str:number>/", views.checkout, name="checkout"),
    path("demo/<str:number>/", views.demo_pay, name="demo_pay"),
    # The registrar (linked from the desk)
    path("desk/<str:number>/notice/", views.send_notice, name="send_notice"),
    path("desk/<str:number>/record/", views.record, name="record"),
    path("desk/<str:number>/refund/", views.refund, name="refund"),
    path("desk/<str:number>/cancel/", views.cancel, name="cancel"),
]
