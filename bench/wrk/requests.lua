-- wrk script used by bench/bench_api.py: replays a list of prepared requests.
--
-- Usage: wrk ... -s bench/wrk/requests.lua http://127.0.0.1:PORT -- REQUESTS_FILE
--
-- REQUESTS_FILE has one request per line, five tab-separated fields:
--   METHOD  PATH  BEARER_TOKEN_OR_EMPTY  CONTENT_TYPE_OR_EMPTY  BODY_OR_EMPTY (one line)
-- Thread k of T sends lines k, k+T, k+2T, ... (wrapping), so threads never send the same
-- line until the whole list has been used. Requests are formatted once, in init().
-- done() prints one line "BENCHJSON {...}" with the counts and latency percentiles (us).

local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

local function split_tabs(line)
  local fields = {}
  local start = 1
  while true do
    local tab = string.find(line, "\t", start, true)
    if tab == nil then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, tab - 1)
    start = tab + 1
  end
end

local prepared = {}
local cursor = 0
local step = 1

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      local f = split_tabs(line)
      local headers = {}
      if f[3] ~= nil and f[3] ~= "" then headers["Authorization"] = "Bearer " .. f[3] end
      if f[4] ~= nil and f[4] ~= "" then headers["Content-Type"] = f[4] end
      local body = nil
      if f[5] ~= nil and f[5] ~= "" then body = f[5] end
      prepared[#prepared + 1] = wrk.format(f[1], f[2], headers, body)
    end
  end
  assert(#prepared > 0, "no requests in " .. args[1])
  cursor = (thread_index or 0) % #prepared
  step = tonumber(args[2] or "1")
end

function request()
  local req = prepared[cursor + 1]
  cursor = (cursor + step) % #prepared
  return req
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,' ..
    '"err_connect":%.0f,"err_read":%.0f,"err_write":%.0f,"err_status":%.0f,"err_timeout":%.0f,' ..
    '"p50_us":%.0f,"p95_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
