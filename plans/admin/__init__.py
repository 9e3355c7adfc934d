from plans.admin import catalog, subscriptions  # noqa: F401  (registers the admin classes)
