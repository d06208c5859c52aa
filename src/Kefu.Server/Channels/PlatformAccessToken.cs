using System.Text.Json;

namespace Kefu.Server.Channels;

/// <summary>
/// An access token that a platform's API hands out for a while (WeChat's and WeCom's access_token, Feishu's tenant access
/// token): fetched by one send while the others wait (the fetch gets 10 s), kept until 5 minutes before it expires, and
/// dropped when the platform calls it invalid, so that the retried send fetches a new one.
/// </summary>
internal sealed class PlatformAccessToken(Func<CancellationToken, Task<(string Token, int ExpiresInSeconds)>> fetch)
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset Until)? _cached;

    public async Task<string> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_cached is { } cached && cached.Until > DateTimeOffset.UtcNow)
                return cached.Token;
            using var timeout = new CancellationTokenSource(FetchTimeout);
            var (token, seconds) = await fetch(timeout.Token);
            _cached = (token, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(seconds) - Margin);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Drop() => _cached = null;

    /// <summary>
    /// Tencent's token call, the same for WeChat and WeCom: GET <paramref name="url"/> → {"access_token","expires_in"}, or
    /// {"errcode","errmsg"} (-1, system busy, is retried). <paramref name="platform"/> and <paramref name="hint"/> name what
    /// to check in the error.
    /// </summary>
    public static async Task<(string, int)> FetchTencentAsync(HttpClient http, Uri url, string platform, string hint, CancellationToken ct)
    {
        JsonElement answer;
        try
        {
            using var response = await http.GetAsync(url, ct);
            if (!response.IsSuccessStatusCode)
                throw new PlatformCallException($"access token: HTTP {(int)response.StatusCode}", retry: true);
            answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        }
        catch (Exception e) when (e is OperationCanceledException or JsonException)
        {
            throw new PlatformCallException($"access token: {(e is JsonException ? $"the answer is not {platform}'s JSON" : $"no answer within {FetchTimeout.TotalSeconds:0} s")}", retry: true);
        }
        if (answer.String("access_token") is not { Length: > 0 } token)
        {
            var code = TencentErrCode(answer);
            throw new PlatformCallException($"access token: errcode {code}: {answer.String("errmsg")} ({hint})", retry: code == -1);
        }
        return (token, answer.TryGetProperty("expires_in", out var e2) && e2.TryGetInt32(out var s) ? s : 7200);
    }

    public static int TencentErrCode(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("errcode", out var c) && c.TryGetInt32(out var n) ? n : 0;
}
