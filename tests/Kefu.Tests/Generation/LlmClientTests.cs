using System.Diagnostics.Metrics;
using Kefu.Generation.Llm;
using Kefu.Projects;
using Microsoft.Extensions.AI;

namespace Kefu.Tests.Generation;

public class LlmClientTests
{
    private static LlmEndpoint At(FakeOpenAiServer server, double timeoutSeconds = 5) =>
        new(server.BaseUrl, "qwen2.5-7b-instruct", "sk-test", TimeSpan.FromSeconds(timeoutSeconds), MaxTokens: 64, Temperature: 0.2f);

    [Fact]
    public async Task Answers_and_sends_the_model_the_messages_and_the_endpoints_settings()
    {
        using var server = new FakeOpenAiServer(_ => new FakeLlmReply("您好，订单已发货。"));
        var client = LlmClient.Create(At(server));
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.System, "你是客服。"), new ChatMessage(ChatRole.User, "我的订单呢？")]);
        Assert.Equal("您好，订单已发货。", response.Text);
        var request = Assert.Single(server.Requests);
        Assert.Equal("qwen2.5-7b-instruct", request.GetProperty("model").GetString());
        Assert.Equal(0.2, request.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(64, request.TryGetProperty("max_completion_tokens", out var m) ? m.GetInt32() : request.GetProperty("max_tokens").GetInt32());
        Assert.Equal(["我的订单呢？"], server.Prompts);
        Assert.Equal(11, response.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Streams_token_by_token()
    {
        using var server = new FakeOpenAiServer(_ => new FakeLlmReply("Your card ships in 3 days."));
        var client = LlmClient.Create(At(server));
        var parts = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "where is my card")]))
            if (update.Text.Length > 0) parts.Add(update.Text);
        Assert.True(parts.Count > 3, $"{parts.Count} parts");
        Assert.Equal("Your card ships in 3 days.", string.Concat(parts));
    }

    [Theory]
    [InlineData(500, null, "HTTP 500")]
    [InlineData(200, "{\"choices\": [", "failed")]
    public async Task A_failing_endpoint_is_an_LlmException_that_names_it(int status, string? body, string expected)
    {
        using var server = new FakeOpenAiServer(_ => new FakeLlmReply("", status, body));
        var client = LlmClient.Create(At(server));
        var e = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.Contains(expected, e.Message);
        Assert.Contains("qwen2.5-7b-instruct at http://127.0.0.1", e.Message);
    }

    [Fact]
    public async Task A_slow_endpoint_times_out_and_is_counted()
    {
        var outcomes = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Name == "kefu_llm_requests_total") l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var t in tags) if (t.Key == "outcome") lock (outcomes) outcomes.Add((string)t.Value!);
        });
        listener.Start();
        using var server = new FakeOpenAiServer(_ => new FakeLlmReply("late", Delay: TimeSpan.FromSeconds(3)));
        var client = LlmClient.Create(At(server, timeoutSeconds: 0.3));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"gave up after {clock.Elapsed}");
        Assert.Contains("did not answer within 0.3 s", e.Message);
        lock (outcomes) Assert.Contains("timeout", outcomes);
    }

    [Fact]
    public void Endpoints_yml_llm_section_reads_with_environment_keys()
    {
        Environment.SetEnvironmentVariable("KEFU_TEST_LLM_KEY", "sk-secret");
        var e = LlmEndpoint.Parse("llm:\n  url: http://localhost:11434/v1\n  model: qwen2.5\n  api_key: ${KEFU_TEST_LLM_KEY}\n  timeout: 12\n  max_tokens: 300\n", "endpoints.yml")!;
        Assert.Equal(("qwen2.5", "sk-secret", 12.0, 300), (e.Model, e.ApiKey, e.Timeout.TotalSeconds, e.MaxTokens));
        Assert.DoesNotContain("sk-secret", e.ToString());
        Assert.Null(LlmEndpoint.Parse("action_endpoint:\n  url: http://x/webhook\n", "endpoints.yml"));
    }

    [Theory]
    [InlineData("llm:\n  model: m\n", "endpoints.yml:2:3", "llm needs a url")]
    [InlineData("llm:\n  url: ftp://x\n  model: m\n", "endpoints.yml:2:8", "not an absolute http(s) URL")]
    [InlineData("llm:\n  url: http://x/v1\n", "endpoints.yml:2:3", "needs a model")]
    [InlineData("llm:\n  url: http://x/v1\n  model: m\n  api_key: ${KEFU_TEST_UNSET_VARIABLE}\n", "endpoints.yml:4:12", "KEFU_TEST_UNSET_VARIABLE")]
    [InlineData("llm:\n  url: http://x/v1\n  model: m\n  temperature: hot\n", "endpoints.yml:4:16", "temperature \"hot\" must be a number from 0 to 2")]
    [InlineData("llm:\n  url: http://x/v1\n  model: m\n  top_p: 1\n", "endpoints.yml:4:3", "unknown key 'top_p'")]
    public void Bad_llm_sections_are_errors_at_their_line(string yaml, string at, string message)
    {
        var e = Assert.Throws<ProjectException>(() => LlmEndpoint.Parse(yaml, "endpoints.yml"));
        var d = Assert.Single(e.Diagnostics);
        Assert.Equal(at, $"{d.Location.File}:{d.Location.Line}:{d.Location.Column}");
        Assert.Contains(message, d.Message);
    }
}
