-- wrk script: each thread sends its share of a pre-signed corpus (CORPUS env var), one request per line as
-- `PATH<TAB>Name: value<US>Name: value…<TAB>BODY` (US is the 0x1f separator), and counts answers by class. Stops the
-- thread when its share is used up, so no request is sent twice.
--   ACCEPTED=202     the status of a newly accepted request (200 counts as a duplicate, anything else as other)
--   DROP_HEADER=name leave that header out (the no-work run: the same requests refused before any work)
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("THREADS") or "1")
  local drop = (os.getenv("DROP_HEADER") or ""):lower()
  accepted_status = tonumber(os.getenv("ACCEPTED") or "202")
  requests = {}
  local i = 0
  for line in io.lines(os.getenv("CORPUS")) do
    if i % nthreads == tid then
      local path, fields, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for field in fields:gmatch("[^\31]+") do
        local name, value = field:match("^([^:]+): (.*)$")
        if name:lower() ~= drop then headers[name] = value end
      end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
    i = i + 1
  end
  cursor = 0
  accepted, duplicate, other = 0, 0, 0
end

function request()
  cursor = cursor + 1
  if cursor > #requests then
    wrk.thread:stop()
    return requests[#requests]
  end
  return requests[cursor]
end

function response(status, headers, body)
  if status == accepted_status then accepted = accepted + 1 elseif status == 200 then duplicate = duplicate + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local total_accepted, total_duplicate, total_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_duplicate = total_duplicate + thread:get("duplicate")
    total_other = total_other + thread:get("other")
  end
  io.write(string.format("RESULT accepted=%d duplicate=%d other=%d requests=%d duration_s=%.2f rps=%.0f\n",
    total_accepted, total_duplicate, total_other, summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6)))
  io.write(string.format("RESULT latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
