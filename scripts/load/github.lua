-- wrk script: each thread sends its share of the pre-signed GitHub corpus (CORPUS env var), one request per line,
-- and counts answers by class. Stops the thread when its share is used up, so no delivery is sent twice.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("THREADS") or "1")
  requests = {}
  local i = 0
  for line in io.lines(os.getenv("CORPUS")) do
    if i % nthreads == tid then
      local delivery, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json", ["X-GitHub-Event"] = "deployment_status",
        ["X-GitHub-Delivery"] = delivery, ["X-Hub-Signature-256"] = signature }
      requests[#requests + 1] = wrk.format("POST", "/api/changes/github", headers, body)
    end
    i = i + 1
  end
  cursor = 0
  recorded, other = 0, 0
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
  if status == 201 then recorded = recorded + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local total_recorded, total_other = 0, 0
  for _, thread in ipairs(threads) do
    total_recorded = total_recorded + thread:get("recorded")
    total_other = total_other + thread:get("other")
  end
  io.write(string.format("RESULT recorded=%d other=%d requests=%d duration_s=%.2f rps=%.0f\n",
    total_recorded, total_other, summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("RESULT latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
