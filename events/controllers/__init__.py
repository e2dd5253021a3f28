from events.controllers.api import EventsApi
from events.controllers.checkin import AttendancePages, SelfCheckIn, StaffCheckIn
from events.controllers.organiser import EventPages
from events.controllers.public import PublicPages

ROUTERS = [EventPages, PublicPages, EventsApi, SelfCheckIn, StaffCheckIn, AttendancePages]
