-- wrk script for `manage.py bench`: rotates users' tokens and request paths, and prints the
-- latency percentiles as one JSON line. Arguments: <tokens file> <paths file>.
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count * 7919)
  thread_count = thread_count + 1
end

function init(args)
  tokens, paths = {}, {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  for line in io.lines(args[2]) do paths[#paths + 1] = line end
  counter = tonumber(offset) or 0
end

function request()
  counter = counter + 1
  local headers = { ["Authorization"] = "Token " .. tokens[counter % #tokens + 1], ["Accept"] = "application/json" }
  return wrk.format("GET", paths[counter % #paths + 1], headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "errors": %d, "non_2xx": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f}\n',
    summary.requests, summary.duration / 1e6, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
