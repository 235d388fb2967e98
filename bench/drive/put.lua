-- wrk script: PUT small files with unique names (one folder per wrk thread), for the
-- "1,000 small uploads per second with 50 clients" benchmark. Each PUT carries the headers
-- Nextcloud's own client sends for a new file (recorded in put/nextcloud-desktop-3.7.txt
-- with capture.py): its SHA-1, chunk size, total length, modification time, a request id.
-- BENCH_AUTH is the value of the Authorization header (empty for Apache).
local counter = 0
local threads = {}
local body = string.rep("x", 4096)
-- SHA-1 of the body above (4,096 times "x").
local checksum = "SHA1:0494dc592da04a1753223918ea73bcb86876372c"

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
    local headers = {
        ["Content-Type"] = "application/octet-stream",
        ["OC-Checksum"] = checksum,
        ["OC-Chunk-Size"] = "10000000",
        ["OC-Total-Length"] = "4096",
        ["X-OC-Mtime"] = "1796652468",
        ["User-Agent"] = "Mozilla/5.0 (Linux) mirall/3.7.3git (nextcloudcmd, debian-6.18.44-fc-v1300 "
            .. "ClientArchitecture: x86_64 OsArchitecture: x86_64)",
        ["Accept"] = "*/*",
        ["X-Request-ID"] = string.format("0541b12d-15d6-48cf-%04x-%012x", id, counter),
        ["Accept-Encoding"] = "gzip, deflate",
        ["Accept-Language"] = "en,*",
    }
    if auth ~= "" then headers["Authorization"] = auth end
    return wrk.format("PUT", prefix .. "t" .. id .. "-" .. counter .. ".txt", headers, body)
end
