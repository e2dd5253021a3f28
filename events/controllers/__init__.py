from events.controllers.api import DeletedEventsApi, EventsApi
from events.controllers.checkin import AttendancePages, CheckInApi, SelfCheckIn, StaffCheckIn
from events.controllers.featured import FeaturedPages, FeaturedPublic
from events.controllers.feedback import FeedbackPages, FeedbackResults
from events.controllers.handouts import DayArchivePages, HandoutPages, PublicProgramme, ResultsReport
from events.controllers.live import LivePublic, StagePages
from events.controllers.organiser import DeletedEvents, EventPages
from events.controllers.public import PublicPages
from events.controllers.slides import PresenterPortal, SlidePages

ROUTERS = [EventPages, DeletedEvents, PublicPages, EventsApi, DeletedEventsApi, SelfCheckIn, StaffCheckIn, CheckInApi, AttendancePages,
           FeedbackPages, FeedbackResults, HandoutPages, ResultsReport, DayArchivePages, PublicProgramme, PresenterPortal,
           SlidePages,
           FeaturedPublic, FeaturedPages, StagePages, LivePublic]
