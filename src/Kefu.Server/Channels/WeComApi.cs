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

    private readonly PlatformAccessToken _token = new(ct => PlatformAccessToken.FetchTencentAsync(delivery.Http,
        new Uri(settings.ApiUrl, $"cgi-bin/gettoken?corpid={Uri.EscapeDataString(settings.CorpId)}&corpsecret={Uri.EscapeDataString(settings.Secret)}"),
        "WeCom", "check wecom corp_id and secret, and the application's trusted IPs", ct));

    public PlatformCall SendText(string userId, string content) => new(async () =>
    {
        var token = await _token.GetAsync();
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

    private async Task<PlatformFailure?> ReadSendFailure(HttpResponseMessage response)
    {
        try
        {
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var code = PlatformAccessToken.TencentErrCode(answer);
            if (code == 0 && response.IsSuccessStatusCode)
                return null;
            var expired = code is 40014 or 42001;
            if (expired)
                _token.Drop();
            return new PlatformFailure($"errcode {code}: {answer.String("errmsg")}", code == -1 || expired);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not WeCom's JSON", false);
        }
    }
}
