"""Every controller of the presenters app, for app.py."""

from presenters.catalog.controllers import ROUTERS as CATALOG_ROUTES
from presenters.review.controllers import ApplicationPages, CallPages, ImportPages, Overview, ReviewPages

ROUTERS = [*CATALOG_ROUTES, ApplicationPages, CallPages, ImportPages, Overview, ReviewPages]
