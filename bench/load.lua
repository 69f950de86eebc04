-- wrk script for `make bench`. Scenario, tokens and conversation ids come from files the
-- driver writes: BENCH_DIR/tokens (one per user), BENCH_DIR/conversations (reuse only).
local dir = os.getenv("BENCH_DIR")
local scenario = os.getenv("BENCH_SCENARIO") or "new"
local tokens, conversations = {}, {}
for line in io.lines(dir .. "/tokens") do tokens[#tokens + 1] = line end
if scenario == "reuse" then
  for line in io.lines(dir .. "/conversations") do conversations[#conversations + 1] = line end
end
local users = #tokens

local thread_ids = 0
function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("tid", thread_ids)
end

local counter = 0
function request()
  counter = counter + 1
  local u = ((counter + (tid or 1) * 7) % users) + 1
  local user = "u" .. u
  local headers = { ["Authorization"] = "Bearer " .. tokens[u], ["Content-Type"] = "application/json" }
  if scenario == "tasks" then
    return wrk.format("GET", "/api/" .. user .. "/tasks", headers)
  end
  local message
  if counter % 2 == 1 then
    message = "add a task to buy milk " .. (tid or 1) .. "-" .. counter
  else
    message = "show my tasks"
  end
  local conversation = "null"
  if scenario == "reuse" then conversation = conversations[u] end
  local body = '{"conversation_id":' .. conversation .. ',"message":"' .. message .. '"}'
  return wrk.format("POST", "/api/" .. user .. "/chat", headers, body)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f non2xx=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    non2xx))
end
