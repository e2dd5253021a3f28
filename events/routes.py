"""Every controller of the events app, for app.py."""

from litestar import Controller

from events.agenda.api import DeletedEventsApi, EventsApi
from events.agenda.controllers import DeletedEvents, EventPages
from events.checkin.api import CheckInApi
from events.checkin.controllers import AttendancePages, SelfCheckIn, StaffCheckIn
from events.featured.controllers import FeaturedPages, FeaturedPublic
from events.feedback.controllers import FeedbackPages, FeedbackResults
from events.handouts.controllers import DayArchivePages, HandoutPages, PublicProgramme, ResultsReport
from events.live.controllers import LivePublic, StagePages
from events.programme.controllers import PublicPages
from events.slides.controllers import PresenterPortal, SlidePages

ROUTERS: list[type[Controller]] = [
    EventPages,
    DeletedEvents,
    PublicPages,
    EventsApi,
    DeletedEventsApi,
    SelfCheckIn,
    StaffCheckIn,
    CheckInApi,
    AttendancePages,
    FeedbackPages,
    FeedbackResults,
    HandoutPages,
    ResultsReport,
    DayArchivePages,
    PublicProgramme,
    PresenterPortal,
    SlidePages,
    FeaturedPublic,
    FeaturedPages,
    StagePages,
    LivePublic,
]
