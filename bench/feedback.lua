-- wrk script: each request is one phone rating one presentation, as the feedback form
-- posts it: a form body with the CSRF token, the phone's device cookie (DEVICES, one per
-- line, all checked in), presentations ITEMS (comma-separated ids) of event SLUG.
-- Run with one wrk thread; every (phone, presentation) pair comes once before any repeats.
local devices = {}
for line in io.lines(os.getenv("DEVICES")) do devices[#devices + 1] = line end
local items = {}
for id in string.gmatch(os.getenv("ITEMS"), "%d+") do items[#items + 1] = id end
local token = os.getenv("CSRF")
local slug = os.getenv("SLUG")
local i = 0
wrk.method = "POST"

request = function()
  i = i + 1
  local n = i - 1
  local item = items[(n % #items) + 1]
  local device = devices[(math.floor(n / #items) % #devices) + 1]
  local rating = (n % 5) + 1
  -- wrk.format takes these instead of wrk.headers, not on top of them
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                   ["Cookie"] = "csrftoken=" .. token .. "; showcase_device=" .. device}
  local body = "rating=" .. rating .. "&comment=%E8%AE%B2%E5%BE%97%E5%A5%BD&_csrf_token=" .. token
  return wrk.format(nil, "/e/" .. slug .. "/feedback/" .. item, headers, body)
end
