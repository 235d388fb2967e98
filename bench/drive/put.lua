-- wrk script: PUT small files with unique names (one folder per wrk thread), for the
-- "1,000 small uploads per second with 50 clients" benchmark. BENCH_AUTH is the value of the
-- Authorization header (empty for Apache).
local counter = 0
local threads = {}
local body = string.rep("x", 4096)

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    auth = os.getenv("BENCH_AUTH") or ""
    prefix = args[1] or "/small/"
end

request = function()
    counter = counter + 1
    local headers = { ["Content-Type"] = "application/octet-stream" }
    if auth ~= "" then headers["Authorization"] = auth end
    return wrk.format("PUT", prefix .. "t" .. id .. "-" .. counter .. ".txt", headers, body)
end
