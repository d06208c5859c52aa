using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;

namespace Kefu.Tests.Cli;

/// <summary>
/// A small load balancer for the replica test: each request goes to the next replica in turn. A replica that refuses
/// the connection (killed) is skipped, as a load balancer's health check would; a request that reached a replica and
/// got no answer is 502, and the client decides whether to send it again.
/// </summary>
internal sealed class RoundRobinProxy : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly string[] _replicas;
    private int _next;

    public RoundRobinProxy(int port, IEnumerable<string> replicas)
    {
        _replicas = [.. replicas];
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public string Url { get; }

    /// <summary>Requests each replica answered.</summary>
    public ConcurrentDictionary<string, int> Answered { get; } = new();

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var status = HttpStatusCode.BadGateway;
        byte[] answer = [];
        string? contentType = null;
        for (var tries = 0; tries < _replicas.Length; tries++)
        {
            var replica = _replicas[(int)((uint)Interlocked.Increment(ref _next) % _replicas.Length)];
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), replica + context.Request.RawUrl);
            if (body.Length > 0)
            {
                request.Content = new ByteArrayContent(body.ToArray());
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/json");
            }
            try
            {
                using var response = await _client.SendAsync(request);
                status = response.StatusCode;
                answer = await response.Content.ReadAsByteArrayAsync();
                contentType = response.Content.Headers.ContentType?.ToString();
                Answered.AddOrUpdate(replica, 1, (_, n) => n + 1);
                break;
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
            {
                // Refused: nothing reached that replica, so the next may take the request.
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                break; // it reached a replica that died before answering: 502
            }
        }
        try
        {
            context.Response.StatusCode = (int)status;
            if (contentType is not null) context.Response.ContentType = contentType;
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
        catch (HttpListenerException)
        {
            // the client has gone
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _client.Dispose();
    }
}
