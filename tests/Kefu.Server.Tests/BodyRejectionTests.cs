using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Server.Storage;
using Kefu.Server.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kefu.Server.Tests;

/// <summary>
/// Bodies over the limit and bodies Kestrel cannot read, on real Kestrel (the test server has neither sockets nor
/// Kestrel's limit): the client gets a ProblemDetails that says so, never a reset connection or a 500.
/// </summary>
public sealed class BodyRejectionTests : IAsyncLifetime
{
    private const int MaxBodyBytes = 4096;
    /// <summary>Far more than the socket buffers hold, so that a server that stops reading stops the client's writes too.</summary>
    private const int Oversized = 16 * 1024 * 1024;

    private WebApplication _app = null!;
    private Uri _uri = null!;
    private readonly InMemoryEventStore _store = new();

    public async Task InitializeAsync()
    {
        var options = new KefuServerOptions { Port = 0, MaxRequestBodyBytes = MaxBodyBytes, SessionKey = TestHost.SessionKey };
        var builder = KefuServer.CreateBuilder(options, services =>
        {
            services.AddSingleton<IEventStore>(_store);
            services.AddSingleton<IChatService, EchoChatService>();
        });
        _app = KefuServer.Build(builder);
        // A route that reads its body as a framework reader does, letting what Kestrel throws go by (as /nlg does).
        _app.MapPost("/test/read-body", async (HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            return TypedResults.Ok();
        });
        _app.Services.GetRequiredService<ServerReadiness>().MarkReady(new ModelInfo("m", null, null));
        await _app.StartAsync();
        _uri = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_limit_is_a_413_problem_even_for_a_client_that_sends_all_of_it_first(bool chunked)
    {
        var message = Encoding.UTF8.GetBytes($$"""{"sender":"big","message":"{{new string('x', Oversized)}}"}""");

        // Written to the end before anything is read, as simple clients do: a server that closes on the unread rest
        // resets the connection under the writes (broken pipe) or under the answer.
        var response = await RawHttp.SendAsync(_uri, "POST", "/webhooks/rest/webhook", message, chunked);

        Assert.Equal(413, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Contains($"larger than the limit of {MaxBodyBytes} bytes", response.Body);
        Assert.Empty(await _store.ListConversationsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpClient_reads_the_413_problem_of_a_body_over_the_limit(bool chunked)
    {
        using var client = new HttpClient { BaseAddress = _uri };
        var body = new byte[Oversized];
        for (var i = 0; i < 3; i++)
        {
            HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");

            var response = await client.PostAsync("/webhooks/rest/webhook", content);

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains($"{MaxBodyBytes} bytes", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task A_refused_body_is_drained_and_the_connection_serves_the_next_request()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_uri.Host, _uri.Port);
        var stream = tcp.GetStream();

        var refused = await RawHttp.SendAsync(stream, "POST", "/webhooks/rest/webhook", new byte[Oversized], chunked: false);
        var next = await RawHttp.SendAsync(stream, "GET", "/healthz", [], chunked: false);

        Assert.Equal(413, refused.Status);
        Assert.Equal(200, next.Status);
    }

    [Fact]
    public async Task A_body_over_the_limit_under_a_route_that_does_not_catch_it_is_a_413_problem_not_a_500()
    {
        var response = await RawHttp.SendAsync(_uri, "POST", "/test/read-body", new byte[Oversized], chunked: true);

        Assert.Equal(413, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Contains($"larger than the limit of {MaxBodyBytes} bytes", response.Body);
    }

    [Fact]
    public async Task A_broken_chunk_under_a_route_that_does_not_catch_it_is_a_400_problem_not_a_500()
    {
        var response = await RawHttp.SendAsync(_uri, "POST /test/read-body HTTP/1.1\r\nHost: localhost\r\n" +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("Bad chunk size data", problem.RootElement.GetProperty("detail").GetString());
    }

    /// <summary>HTTP/1.1 over a socket, the body written in full before the answer is read.</summary>
    private static class RawHttp
    {
        public sealed record Response(int Status, string? ContentType, string Body);

        public static async Task<Response> SendAsync(Uri uri, string method, string path, byte[] body, bool chunked)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            return await SendAsync(tcp.GetStream(), method, path, body, chunked);
        }

        public static async Task<Response> SendAsync(Uri uri, string request)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            return await ReadAsync(stream);
        }

        public static async Task<Response> SendAsync(NetworkStream stream, string method, string path, byte[] body, bool chunked)
        {
            var request = new MemoryStream();
            request.Write(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {body.Length}\r\n\r\n")));
            const int chunk = 64 * 1024;
            for (var i = 0; i < body.Length; i += chunk)
            {
                var length = Math.Min(chunk, body.Length - i);
                if (chunked)
                    request.Write(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
                request.Write(body, i, length);
                if (chunked)
                    request.Write("\r\n"u8);
            }
            if (chunked)
                request.Write("0\r\n\r\n"u8);
            await stream.WriteAsync(request.GetBuffer().AsMemory(0, (int)request.Length));
            return await ReadAsync(stream);
        }

        /// <summary>One response: its head, then a body of Content-Length bytes or chunks.</summary>
        private static async Task<Response> ReadAsync(NetworkStream stream)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var reader = new Reader(stream, timeout.Token);
            var statusLine = await reader.LineAsync();
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var line = await reader.LineAsync(); line.Length > 0; line = await reader.LineAsync())
                headers[line[..line.IndexOf(':')]] = line[(line.IndexOf(':') + 1)..].Trim();
            var body = new MemoryStream();
            if (headers.TryGetValue("Content-Length", out var length))
                body.Write(await reader.BytesAsync(int.Parse(length)));
            else if (headers.TryGetValue("Transfer-Encoding", out var coding) && coding == "chunked")
                for (var size = Convert.ToInt32(await reader.LineAsync(), 16); size > 0; size = Convert.ToInt32(await reader.LineAsync(), 16))
                {
                    body.Write(await reader.BytesAsync(size));
                    await reader.LineAsync();
                }
            headers.TryGetValue("Content-Type", out var type);
            return new(int.Parse(statusLine.Split(' ')[1]), type?.Split(';')[0], Encoding.UTF8.GetString(body.ToArray()));
        }

        private sealed class Reader(NetworkStream stream, CancellationToken ct)
        {
            private readonly byte[] _buffer = new byte[16 * 1024];
            private int _start, _end;

            public async Task<string> LineAsync()
            {
                var line = new List<byte>();
                while (true)
                {
                    var b = await ByteAsync();
                    if (b == '\n')
                        return Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
                    line.Add(b);
                }
            }

            public async Task<byte[]> BytesAsync(int count)
            {
                var bytes = new byte[count];
                for (var i = 0; i < count; i++)
                    bytes[i] = await ByteAsync();
                return bytes;
            }

            private async ValueTask<byte> ByteAsync()
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, ct);
                    if (_end == 0)
                        throw new EndOfStreamException("the server closed the connection before the end of its answer");
                }
                return _buffer[_start++];
            }
        }
    }
}
