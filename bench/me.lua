-- wrk script: GET a path (BENCH_PATH, default /api/v1/me) as a random logged-in person.
-- BENCH_TOKENS names a file with one session token per line.
local tokens = {}
local path = os.getenv("BENCH_PATH") or "/api/v1/me"

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local t = tokens[math.random(#tokens)]
  return wrk.format("GET", path, { ["Cookie"] = "tavle_session=" .. t })
end
