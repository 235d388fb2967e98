-- wrk script: GET a path (BENCH_PATH, default /api/v1/me) as a random logged-in person.
-- BENCH_TOKENS names a file with one session token per line. With BENCH_SEQUENTIAL=1 the
-- threads walk the tokens in order instead, each session once (to warm the session cache).
local tokens = {}
local path = os.getenv("BENCH_PATH") or "/api/v1/me"
local sequential = os.getenv("BENCH_SEQUENTIAL") == "1"
local next_id = 0
local i = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + (id or 0))
end

function request()
  local t
  if sequential then
    i = i + 1
    t = tokens[((i * 2 + (id or 0)) % #tokens) + 1]
  else
    t = tokens[math.random(#tokens)]
  end
  return wrk.format("GET", path, { ["Cookie"] = "tavle_session=" .. t })
end
