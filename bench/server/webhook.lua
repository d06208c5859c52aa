-- wrk script: POST the Rasa REST webhook across KEFU_CONVERSATIONS conversations (default 1000),
-- cycling through a few Chinese customer-service messages. Prints one JSON line at the end.
-- KEFU_RATE (requests/s over all connections, optional) paces the load: each connection waits an exponentially
-- distributed time (mean connections / rate) before its next request, so requests arrive as a Poisson stream
-- instead of back to back. Without it wrk sends the next request the moment a reply arrives (saturation).
local conversations = tonumber(os.getenv("KEFU_CONVERSATIONS") or "1000")
local rate = tonumber(os.getenv("KEFU_RATE") or "0")
local connections = tonumber(os.getenv("KEFU_CONNECTIONS") or "64")
local messages = { "你好", "我的订单到哪了", "订单号 123456789", "我要退货", "怎么开发票", "好的，谢谢" }
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- Threads start at different conversations so they do not walk in step.
  counter = thread_index * 7919
  math.randomseed(os.time() + thread_index)
end

function request()
  counter = counter + 1
  local body = string.format('{"sender":"bench-%d","message":"%s"}',
    counter % conversations, messages[(counter % #messages) + 1])
  return wrk.format("POST", "/webhooks/rest/webhook", { ["Content-Type"] = "application/json" }, body)
end

if rate > 0 then
  local mean_ms = connections / rate * 1000
  function delay()
    return math.floor(-math.log(1 - math.random()) * mean_ms + 0.5)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"requests_per_second":%.0f,"latency_p50_ms":%.2f,"latency_p90_ms":%.2f,' ..
    '"latency_p99_ms":%.2f,"latency_max_ms":%.2f,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
