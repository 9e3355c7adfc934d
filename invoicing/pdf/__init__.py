"""Invoice PDFs: a selector builds the document (every value already formatted for the customer's locale), a Django
template lays it out, WeasyPrint renders it in a Celery task after finalization, the storage API keeps it, and a signed,
expiring link serves it (the invoice's `file_url`)."""
