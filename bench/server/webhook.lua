-- wrk script: POST the Rasa REST webhook across KEFU_CONVERSATIONS conversations (default 1000),
-- cycling through a few Chinese customer-service messages. Prints one JSON line at the end.
-- KEFU_RATE (requests/s over all KEFU_THREADS threads, optional) paces the load as an open-loop Poisson stream: each
-- thread draws its requests' send times ahead (exponential gaps of mean threads / rate) and a connection whose reply
-- came waits until the next send time, so the time a reply takes does not lower the rate offered (a closed loop that
-- waits mean connections / rate after each reply offers connections / (wait + latency), less than asked). When the
-- server falls behind, waiting connections send at once until the schedule is caught up. Without KEFU_RATE wrk sends
-- the next request the moment a reply arrives (saturation).
local conversations = tonumber(os.getenv("KEFU_CONVERSATIONS") or "1000")
local rate = tonumber(os.getenv("KEFU_RATE") or "0")
local thread_count = tonumber(os.getenv("KEFU_THREADS") or "1")
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
  -- A monotonic clock in milliseconds, through LuaJIT's FFI (wrk's Lua has none finer than a second).
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } kefu_timespec;
    int clock_gettime(int clock_id, kefu_timespec *tp);
  ]]
  local clock = ffi.new("kefu_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
    return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
  end
  local mean_gap_ms = thread_count / rate * 1000
  local next_send_ms = nil
  function delay()
    local now = now_ms()
    next_send_ms = (next_send_ms or now) - math.log(1 - math.random()) * mean_gap_ms
    return math.max(0, math.floor(next_send_ms - now + 0.5))
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
