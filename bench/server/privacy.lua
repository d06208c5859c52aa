-- wrk script for bench/server/privacy.sh: POST the REST webhook across KEFU_CONVERSATIONS conversations (default
-- 1000), cycling six Chinese messages of which three carry personal data (a mobile number, a bank card, an ID card
-- number and an email), so that redaction has work on half the turns. Prints one JSON line at the end.
local conversations = tonumber(os.getenv("KEFU_CONVERSATIONS") or "1000")
local messages = {
  "你好",
  "我的手机号是 13812345678，订单到哪了",
  "订单号 123456789",
  "退款请打到卡号 6222 0202 0011 2233 446",
  "身份证440304199003071248，邮箱zhang.san@example.com",
  "好的，谢谢",
}
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = thread_index * 7919
end

function request()
  counter = counter + 1
  local body = string.format('{"sender":"bench-%d","message":"%s"}',
    counter % conversations, messages[(counter % #messages) + 1])
  return wrk.format("POST", "/webhooks/rest/webhook", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"requests_per_second":%.0f,"latency_p50_ms":%.2f,"latency_p99_ms":%.2f,' ..
    '"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
