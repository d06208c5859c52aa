using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kefu.Tests.Actions;

/// <summary>What the fake server answers: a status, a body, and how long it waits first.</summary>
public sealed record FakeReply(int Status, string Body, TimeSpan Delay = default);

/// <summary>
/// A real HTTP server on a free 127.0.0.1 port (System.Net.HttpListener) that answers each POST with
/// <c>reply(request JSON)</c> and keeps the requests it got.
/// </summary>
public sealed class FakeActionServer : IDisposable
{
    private readonly HttpListener listener;
    private readonly Func<JsonElement, FakeReply> reply;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public ConcurrentQueue<JsonElement> Requests { get; } = new();
    public Uri Url { get; }

    public FakeActionServer(Func<JsonElement, FakeReply> reply)
    {
        this.reply = reply;
        (listener, Url) = Start();
        loop = Task.Run(ServeAsync);
    }

    private static (HttpListener, Uri) Start()
    {
        for (int attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var url = new Uri($"http://127.0.0.1:{port}/webhook/");
            var l = new HttpListener();
            l.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                l.Start();
                return (l, url);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                l.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync();
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(ctx));
        }
    }

    private async Task AnswerAsync(HttpListenerContext ctx)
    {
        try
        {
            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var request = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
            Requests.Enqueue(request);
            var r = reply(request);
            if (r.Delay > TimeSpan.Zero) await Task.Delay(r.Delay, stop.Token);
            var bytes = Encoding.UTF8.GetBytes(r.Body);
            ctx.Response.StatusCode = r.Status;
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength64 = bytes.Length;
            await ctx.Response.OutputStream.WriteAsync(bytes, stop.Token);
            ctx.Response.Close();
        }
        catch (Exception)
        {
            try { ctx.Response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Close();
        try { loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        stop.Dispose();
    }
}
