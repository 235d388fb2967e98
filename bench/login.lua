-- wrk script: password logins as random people. BENCH_USERS names a file with one username
-- per line; every one of them has the password "bench".
local users = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_USERS")) do
    users[#users + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local u = users[math.random(#users)]
  local body = '{"username":"' .. u .. '","password":"bench"}'
  return wrk.format("POST", "/api/v1/session", { ["Content-Type"] = "application/json" }, body)
end
