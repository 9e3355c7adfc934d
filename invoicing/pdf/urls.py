from django.urls import path

from invoicing.pdf.views import invoice_file

urlpatterns = [path("<str:token>.pdf", invoice_file, name="invoice-file")]
