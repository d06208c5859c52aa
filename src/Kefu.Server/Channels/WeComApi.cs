using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kefu.Server.Channels;

/// <summary>
/// The two WeCom API calls Kefu makes: the access token
/// (GET /cgi-bin/gettoken?corpid=&amp;corpsecret= → {"errcode":0,"access_token","expires_in"};
/// https://developer.work.weixin.qq.com/document/path/91039), kept until 5 minutes before it expires, and the application's
/// text message (POST /cgi-bin/message/send?access_token= {"touser","msgtype":"text","agentid","text":{"content"}} →
/// {"errcode":0,"errmsg":"ok"}; https://developer.work.weixin.qq.com/document/path/90236).
/// Errors come as {"errcode","errmsg"} with HTTP 200: -1 (system busy) is retried, and so is a send whose token WeCom says is
/// invalid or expired (40014, 42001) after the token is dropped.
/// </summary>
internal sealed class WeComApi(WeComSettings settings, ChannelDelivery delivery)
{
    /// <summary>A text message's content limit in UTF-8 bytes (WeCom cuts longer ones); longer replies go in parts.</summary>
    public const int MaxTextBytes = 2048;

    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset Until)? _token;

    public PlatformCall SendText(string userId, string content) => new(async () =>
    {
        var token = await AccessTokenAsync();
        var payload = new JsonObject
        {
            ["touser"] = userId,
            ["msgtype"] = "text",
            ["agentid"] = settings.AgentId,
            ["text"] = new JsonObject { ["content"] = content },
        };
        return new HttpRequestMessage(HttpMethod.Post, new Uri(settings.ApiUrl, $"cgi-bin/message/send?access_token={Uri.EscapeDataString(token)}"))
        {
            Content = JsonContent.Create(payload),
        };
    }, ReadSendFailure);

    private async Task<string> AccessTokenAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_token is { } cached && cached.Until > DateTimeOffset.UtcNow)
                return cached.Token;
            var url = new Uri(settings.ApiUrl,
                $"cgi-bin/gettoken?corpid={Uri.EscapeDataString(settings.CorpId)}&corpsecret={Uri.EscapeDataString(settings.Secret)}");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            JsonElement answer;
            try
            {
                using var response = await delivery.Http.GetAsync(url, timeout.Token);
                if (!response.IsSuccessStatusCode)
                    throw new PlatformCallException($"access token: HTTP {(int)response.StatusCode}", retry: true);
                answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token)).RootElement;
            }
            catch (Exception e) when (e is OperationCanceledException or JsonException)
            {
                throw new PlatformCallException($"access token: {(e is JsonException ? "the answer is not WeCom's JSON" : "no answer within 10 s")}", retry: true);
            }
            if (answer.String("access_token") is not { Length: > 0 } token)
            {
                var code = ErrCode(answer);
                throw new PlatformCallException($"access token: errcode {code}: {answer.String("errmsg")} (check wecom corp_id and secret, and the application's trusted IPs)", retry: code == -1);
            }
            var seconds = answer.TryGetProperty("expires_in", out var e2) && e2.TryGetInt32(out var s) ? s : 7200;
            _token = (token, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(seconds) - Margin);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PlatformFailure?> ReadSendFailure(HttpResponseMessage response)
    {
        try
        {
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var code = ErrCode(answer);
            if (code == 0 && response.IsSuccessStatusCode)
                return null;
            var expired = code is 40014 or 42001;
            if (expired)
                _token = null;
            return new PlatformFailure($"errcode {code}: {answer.String("errmsg")}", code == -1 || expired);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not WeCom's JSON", false);
        }
    }

    private static int ErrCode(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("errcode", out var c) && c.TryGetInt32(out var n) ? n : 0;
}
