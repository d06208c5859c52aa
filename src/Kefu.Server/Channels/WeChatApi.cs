using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kefu.Server.Channels;

/// <summary>
/// The two WeChat Official Account API calls Kefu makes: the access token
/// (GET /cgi-bin/token?grant_type=client_credential&amp;appid=&amp;secret= → {"access_token","expires_in"};
/// https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html), kept until 5 minutes before
/// it expires, and the customer-service text message (POST /cgi-bin/message/custom/send?access_token=
/// {"touser","msgtype":"text","text":{"content"}} → {"errcode":0,"errmsg":"ok"};
/// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html).
/// Errors come as {"errcode","errmsg"} with HTTP 200: -1 (system busy) is retried, and so is a send whose token WeChat
/// says is invalid or expired (40001, 40014, 42001) after the token is dropped.
/// </summary>
internal sealed class WeChatApi(WeChatSettings settings, ChannelDelivery delivery)
{
    private readonly PlatformAccessToken _token = new(ct => PlatformAccessToken.FetchTencentAsync(delivery.Http,
        new Uri(settings.ApiUrl, $"cgi-bin/token?grant_type=client_credential&appid={Uri.EscapeDataString(settings.AppId)}&secret={Uri.EscapeDataString(settings.AppSecret)}"),
        "WeChat", "check wechat app_id and app_secret, and the account's IP whitelist", ct));

    public PlatformCall SendText(string openId, string content) => new(async () =>
    {
        var token = await _token.GetAsync();
        var payload = new JsonObject { ["touser"] = openId, ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = content } };
        return new HttpRequestMessage(HttpMethod.Post, new Uri(settings.ApiUrl, $"cgi-bin/message/custom/send?access_token={Uri.EscapeDataString(token)}"))
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
            var expired = code is 40001 or 40014 or 42001;
            if (expired)
                _token.Drop();
            return new PlatformFailure($"errcode {code}: {answer.String("errmsg")}", code == -1 || expired);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not WeChat's JSON", false);
        }
    }
}
