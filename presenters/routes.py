"""Every controller of the presenters app, for app.py."""

from litestar import Controller

from presenters.catalog.controllers import ROUTERS as CATALOG_ROUTES
from presenters.review.controllers import ApplicationPages, CallPages, ImportPages, Overview, ReviewPages
from presenters.units.controllers import UnitPages

ROUTERS: list[type[Controller]] = [
    *CATALOG_ROUTES,
    ApplicationPages,
    CallPages,
    ImportPages,
    Overview,
    ReviewPages,
    UnitPages,
]
