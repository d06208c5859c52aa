using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kefu.Tests.Generation;

/// <summary>What the stand-in answers: the assistant's text, or a status with a raw body; after a delay.</summary>
public sealed record FakeLlmReply(string Text, int Status = 200, string? RawBody = null, TimeSpan Delay = default);

/// <summary>
/// A stand-in for an OpenAI-compatible server (System.Net.HttpListener on a free 127.0.0.1 port): POST /v1/chat/completions
/// answers as OpenAI's API does, as one JSON body or, for `"stream": true`, as server-sent chunks ending in
/// `data: [DONE]` (with a usage chunk when stream_options.include_usage asks). It keeps every request body, so tests can
/// read the prompts Kefu sent.
/// </summary>
public sealed class FakeOpenAiServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<JsonElement, FakeLlmReply> _reply;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ConcurrentQueue<JsonElement> Requests { get; } = new();
    public Uri BaseUrl { get; }

    public FakeOpenAiServer(Func<JsonElement, FakeLlmReply> reply)
    {
        _reply = reply;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/v1");
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The user messages' text of each request, in order.</summary>
    public IEnumerable<string> Prompts => Requests.SelectMany(r => r.GetProperty("messages").EnumerateArray()
        .Where(m => m.GetProperty("role").GetString() == "user").Select(m => m.GetProperty("content").ToString()));

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (HttpListenerException) { return; }
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            using var body = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var request = JsonDocument.Parse(await body.ReadToEndAsync()).RootElement.Clone();
            Requests.Enqueue(request);
            var reply = _reply(request);
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay, _stop.Token);
            ctx.Response.StatusCode = reply.Status;
            string model = request.GetProperty("model").GetString()!;
            if (reply.RawBody is not null || reply.Status != 200)
            {
                await Write(ctx, "application/json", reply.RawBody ?? """{"error":{"message":"stand-in failure","type":"server_error"}}""");
                return;
            }
            bool stream = request.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var usage = new { prompt_tokens = 11, completion_tokens = reply.Text.Length, total_tokens = 11 + reply.Text.Length };
            if (!stream)
            {
                await Write(ctx, "application/json", JsonSerializer.Serialize(new
                {
                    id = "chatcmpl-1", @object = "chat.completion", created = 1700000000, model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = reply.Text }, finish_reason = "stop" } },
                    usage,
                }));
                return;
            }
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.SendChunked = true;
            var output = ctx.Response.OutputStream;
            async Task Send(object chunk)
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes("data: " + JsonSerializer.Serialize(chunk) + "\n\n"));
                await output.FlushAsync();
            }
            for (int i = 0; i < reply.Text.Length; i += 3)
                await Send(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1700000000, model,
                    choices = new[] { new { index = 0, delta = new { role = "assistant", content = reply.Text.Substring(i, Math.Min(3, reply.Text.Length - i)) }, finish_reason = (string?)null } } });
            await Send(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1700000000, model,
                choices = new[] { new { index = 0, delta = new { }, finish_reason = "stop" } } });
            if (request.TryGetProperty("stream_options", out var so) && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True)
                await Send(new { id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1700000000, model, choices = Array.Empty<object>(), usage });
            await output.WriteAsync("data: [DONE]\n\n"u8.ToArray());
            ctx.Response.Close();
        }
        catch (Exception) when (_stop.IsCancellationRequested) { }
        catch (HttpListenerException) { }         // the client went away (a timeout test)
        catch (ObjectDisposedException) { }
    }

    private static async Task Write(HttpListenerContext ctx, string type, string text)
    {
        ctx.Response.ContentType = type;
        var bytes = Encoding.UTF8.GetBytes(text);
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
    }
}
