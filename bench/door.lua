-- wrk script: each request is one phone at the door posting the self check-in form, as
-- the page posts it: name and the last 4 digits of the mobile (PEOPLE: lines
-- "name<TAB>last4<TAB>device"), the CSRF token, the phone's own device cookie, and the door
-- pass cookie that opening the page with the screen's rotating code gives (DOOR_PASS, for
-- event DOOR_EVENT). Run with one wrk thread; every person comes once before any repeats.
local people = {}
for line in io.lines(os.getenv("PEOPLE")) do
  local name, last4, device = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
  if name then people[#people + 1] = {name, last4, device} end
end
local token = os.getenv("CSRF")
local slug = os.getenv("SLUG")
local pass = "door_" .. os.getenv("DOOR_EVENT") .. "=" .. os.getenv("DOOR_PASS")
local i = 0
wrk.method = "POST"

local function encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  i = i + 1
  local person = people[((i - 1) % #people) + 1]
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                   ["Cookie"] = "csrftoken=" .. token .. "; showcase_device=" .. person[3] .. "; " .. pass}
  local body = "name=" .. encode(person[1]) .. "&unit=&last4=" .. person[2] .. "&_csrf_token=" .. token
  return wrk.format(nil, "/e/" .. slug .. "/checkin", headers, body)
end
