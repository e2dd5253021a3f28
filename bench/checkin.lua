-- wrk script: POST one ticket code per request, in file order (CODES), with a scanner's
-- bearer token (TOKEN), as the staff scanner page does. Run with one wrk thread.
local codes = {}
for line in io.lines(os.getenv("CODES")) do codes[#codes + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")

request = function()
  i = i + 1
  local code = codes[((i - 1) % #codes) + 1]
  return wrk.format(nil, nil, nil, '{"code":"' .. code .. '"}')
end
