using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Kefu.Nlu.Extractors.Duckling;
using Microsoft.Extensions.Logging;

namespace Kefu.Tests.Nlu.Duckling;

/// <summary>
/// The url mode against a stand-in that speaks Duckling's /parse (exe/ExampleMain.hs): form-encoded text, locale, tz,
/// dims, reftime in; a JSON array of {"body", "start", "end", "dim", "value", "latent"} out, offsets in code points.
/// </summary>
public sealed class DucklingServerTests : IDisposable
{
    static readonly DateTimeOffset Reference = new(2024, 11, 13, 10, 30, 0, TimeSpan.FromHours(8));
    readonly StandInDuckling server = new();

    public void Dispose() => server.Dispose();

    // generous: the first request to a fresh HttpListener can take seconds while the whole suite runs on two cores
    DucklingEntityExtractor Extractor(string[] dimensions, string url, double timeout = 20) =>
        new(new DucklingConfig(dimensions, "zh_CN", "Asia/Shanghai", url, timeout)) { Logger = logs };

    readonly ListLogger logs = new();

    [Fact]
    public void Sends_duckling_form_and_maps_its_answer_to_entities()
    {
        // "😀明天下午三点": the emoji is one code point for Duckling, two UTF-16 units for .NET
        const string text = "😀明天下午三点";
        server.Answer = """
            [{"body":"明天下午三点","start":1,"end":7,"dim":"time","latent":false,
              "value":{"values":[{"value":"2024-11-14T15:00:00.000+08:00","grain":"hour","type":"value"}],
                       "value":"2024-11-14T15:00:00.000+08:00","grain":"hour","type":"value"}},
             {"body":"三","start":6,"end":7,"dim":"distance","latent":false,"value":{"value":3,"type":"value","unit":"metre"}}]
            """;
        var entities = Extractor(["time", "number"], server.Url).Extract(text, Reference);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/parse", request.Path);
        Assert.Equal(text, request.Form["text"]);
        Assert.Equal("zh_CN", request.Form["locale"]);
        Assert.Equal("Asia/Shanghai", request.Form["tz"]);
        Assert.Equal(["time", "number"], JsonSerializer.Deserialize<string[]>(request.Form["dims"])!);
        Assert.Equal(Reference.ToUnixTimeMilliseconds().ToString(), request.Form["reftime"]);

        var entity = Assert.Single(entities);   // the distance was not asked for: dropped, as Rasa's filter drops it
        Assert.Equal("明天下午三点", text[entity.Start..entity.End]);
        Assert.Equal(("time", "2024-11-14T15:00:00.000+08:00", "DucklingEntityExtractor"), (entity.Entity, entity.Value, entity.Extractor));
        Assert.Equal("hour", entity.AdditionalInfo!.Value.GetProperty("grain").GetString());
        Assert.Empty(logs.Warnings);
    }

    [Fact]
    public void Dimensions_duckling_lacks_still_run_built_in()
    {
        server.Answer = "[]";
        var entities = Extractor(["time", "cn-id-card"], server.Url).Extract("身份证11010519491231002X", Reference);
        Assert.Equal(["time"], JsonSerializer.Deserialize<string[]>(Assert.Single(server.Requests).Form["dims"])!);
        Assert.Equal("cn-id-card", Assert.Single(entities).Entity);
    }

    [Fact]
    public void A_server_that_is_down_gives_a_warning_and_no_entities()
    {
        string url = $"http://127.0.0.1:{StandInDuckling.FreePort()}";
        var entities = Extractor(["time"], url).Extract("明天下午三点", Reference);
        Assert.Empty(entities);
        Assert.Contains(logs.Warnings, w => w.Contains(url) && w.Contains("no Duckling entities"));
    }

    [Fact]
    public void An_error_status_gives_a_warning_and_no_entities()
    {
        server.Status = 500;
        server.Answer = "boom";
        Assert.Empty(Extractor(["time"], server.Url).Extract("明天", Reference));
        Assert.Contains(logs.Warnings, w => w.Contains("500"));
    }

    [Fact]
    public void An_answer_that_is_not_duckling_json_gives_a_warning_and_no_entities()
    {
        server.Answer = """{"error": "not a list"}""";
        Assert.Empty(Extractor(["time"], server.Url).Extract("明天", Reference));
        server.Answer = """[{"dim":"time","start":0,"end":99,"value":{"value":"x"}}]""";
        Assert.Empty(Extractor(["time"], server.Url).Extract("明天", Reference));
        Assert.Equal(2, logs.Warnings.Count);
    }

    [Fact]
    public void A_slow_server_is_given_up_on_after_the_timeout()
    {
        server.Delay = TimeSpan.FromSeconds(5);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Empty(Extractor(["time"], server.Url, timeout: 0.3).Extract("明天", Reference));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Contains(logs.Warnings, w => w.Contains("within 0.3 s"));
    }

    sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning) lock (Warnings) Warnings.Add(formatter(state, exception));
        }
    }
}

/// <summary>A stand-in Duckling on 127.0.0.1, a port in 5800-5899: records each POST's form and answers as told.</summary>
internal sealed class StandInDuckling : IDisposable
{
    readonly HttpListener listener = new();
    readonly CancellationTokenSource stop = new();

    public string Url { get; }
    public string Answer { get; set; } = "[]";
    public int Status { get; set; } = 200;
    public TimeSpan Delay { get; set; }
    public List<(string Path, Dictionary<string, string> Form)> Requests { get; } = [];

    public StandInDuckling()
    {
        int port = FreePort();
        Url = $"http://127.0.0.1:{port}";
        listener.Prefixes.Add(Url + "/");
        listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>A port in 5800-5899 nothing listens on now.</summary>
    public static int FreePort()
    {
        for (int port = 5800 + Random.Shared.Next(100), tries = 0; tries < 100; tries++, port = 5800 + (port - 5800 + 1) % 100)
        {
            try
            {
                var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                probe.Stop();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port in 5800-5899");
    }

    async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var form = (await reader.ReadToEndAsync()).Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.Length > 1 ? p[1] : ""));
            lock (Requests) Requests.Add((context.Request.Url!.AbsolutePath, form));
            try
            {
                if (Delay > TimeSpan.Zero) await Task.Delay(Delay, stop.Token);
                var body = Encoding.UTF8.GetBytes(Answer);
                context.Response.StatusCode = Status;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body, stop.Token);
                context.Response.Close();
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                // the client gave up (a timeout test)
            }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Close();
    }
}
