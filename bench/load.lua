-- wrk script of bench/load.py: the request headers from LOAD_HEADERS ("Name: value" lines: the
-- session cookie or the API token), and one JSON line of results when the run is done.
local headers = os.getenv("LOAD_HEADERS") or ""
for line in headers:gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nLOAD_RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
