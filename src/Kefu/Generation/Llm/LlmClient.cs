using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Kefu.Observability;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Kefu.Generation.Llm;

/// <summary>An LLM call that failed: the endpoint was down, slow, refused the request or answered something unreadable.</summary>
public sealed class LlmException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Microsoft.Extensions.AI's IChatClient over an OpenAI-compatible endpoint (OpenAI's .NET client underneath), with
/// the endpoint's model, max tokens and temperature as defaults, one deadline for the whole answer (streamed or not),
/// no retries (a caller in a conversation falls back instead of waiting), every failure as an <see cref="LlmException"/>
/// that names the endpoint, and the metrics kefu_llm_requests_total{outcome}, kefu_llm_tokens_total{kind} and
/// kefu_llm_request_seconds.
/// </summary>
public sealed class LlmClient : DelegatingChatClient
{
    private static readonly Counter<long> Requests = KefuMetrics.Meter.CreateCounter<long>("kefu_llm_requests_total",
        description: "LLM requests, tagged outcome (ok, timeout, error)");
    private static readonly Counter<long> Tokens = KefuMetrics.Meter.CreateCounter<long>("kefu_llm_tokens_total",
        description: "Tokens the LLM endpoint reported, tagged kind (input, output)");
    private static readonly Histogram<double> Seconds = KefuMetrics.Meter.CreateHistogram<double>("kefu_llm_request_seconds", unit: "s",
        description: "Seconds from request to the whole answer");

    public LlmEndpoint Endpoint { get; }

    private LlmClient(IChatClient inner, LlmEndpoint endpoint) : base(inner) => Endpoint = endpoint;

    /// <param name="transport">Tests pass a handler's HttpClient; null uses the OpenAI client's own.</param>
    public static LlmClient Create(LlmEndpoint endpoint, HttpClient? transport = null)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = endpoint.Url,
            NetworkTimeout = endpoint.Timeout,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        if (transport is not null) options.Transport = new HttpClientPipelineTransport(transport);
        // local servers (vLLM, Ollama) take any key; the OpenAI client wants one
        var chat = new OpenAI.Chat.ChatClient(endpoint.Model, new ApiKeyCredential(endpoint.ApiKey ?? "none"), options);
        return new LlmClient(chat.AsIChatClient(), endpoint);
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Endpoint.Timeout);
        long start = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.GetResponseAsync(messages, WithDefaults(options), deadline.Token);
            Record("ok", start, response.Usage);
            return response;
        }
        catch (Exception e) when (Failure(e, start, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Endpoint.Timeout);
        long start = Stopwatch.GetTimestamp();
        UsageDetails? usage = null;
        await using var updates = base.GetStreamingResponseAsync(messages, WithDefaults(options), deadline.Token).GetAsyncEnumerator(deadline.Token);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync()) break;
                update = updates.Current;
            }
            catch (Exception e) when (Failure(e, start, cancellationToken) is { } failure)
            {
                throw failure;
            }
            foreach (var content in update.Contents)
                if (content is UsageContent u) usage = u.Details;
            yield return update;
        }
        Record("ok", start, usage);
    }

    private ChatOptions WithDefaults(ChatOptions? options)
    {
        var o = options?.Clone() ?? new ChatOptions();
        o.MaxOutputTokens ??= Endpoint.MaxTokens;
        o.Temperature ??= Endpoint.Temperature;
        return o;
    }

    /// <summary>The exception to throw instead of <paramref name="e"/>; null for the caller's own cancellation, which passes as it is.</summary>
    private LlmException? Failure(Exception e, long start, CancellationToken caller)
    {
        if (caller.IsCancellationRequested) return null;
        bool timeout = e is OperationCanceledException or TimeoutException;
        Record(timeout ? "timeout" : "error", start, null);
        return timeout
            ? new LlmException($"the LLM endpoint ({Endpoint}) did not answer within {Endpoint.Timeout.TotalSeconds:0.###} s", e)
            : new LlmException($"the LLM endpoint ({Endpoint}) failed: {Describe(e)}", e);
    }

    private static string Describe(Exception e) => e switch
    {
        ClientResultException c when c.Status > 0 => $"HTTP {c.Status}: {FirstLine(c.Message)}",
        _ => FirstLine(e.Message),
    };

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static void Record(string outcome, long start, UsageDetails? usage)
    {
        Requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        Seconds.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
        if (usage?.InputTokenCount is { } input) Tokens.Add(input, new KeyValuePair<string, object?>("kind", "input"));
        if (usage?.OutputTokenCount is { } output) Tokens.Add(output, new KeyValuePair<string, object?>("kind", "output"));
    }
}
