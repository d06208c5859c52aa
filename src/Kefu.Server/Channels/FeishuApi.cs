using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kefu.Server.Channels;

/// <summary>
/// The two Feishu / Lark open-platform calls Kefu makes:
/// the app's tenant access token (POST /open-apis/auth/v3/tenant_access_token/internal {"app_id","app_secret"} →
/// {"code":0,"msg","tenant_access_token","expire"}; https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal),
/// kept until 5 minutes before it expires, and a message to a chat (POST /open-apis/im/v1/messages?receive_id_type=chat_id
/// with "Authorization: Bearer {token}" and {"receive_id","msg_type":"text","content":"{\"text\":...}"} → {"code":0};
/// https://open.feishu.cn/document/server-docs/im-v1/message/create).
/// Errors come as {"code","msg"}: a token the platform calls invalid or missing (99991663, 99991661) is dropped and the
/// send retried with a new one; the rate limit (99991400, with HTTP 429) is retried; other codes are refusals.
/// </summary>
internal sealed class FeishuApi
{
    private readonly FeishuSettings settings;
    private readonly ChannelDelivery delivery;
    private readonly PlatformAccessToken _token;

    public FeishuApi(FeishuSettings settings, ChannelDelivery delivery)
    {
        this.settings = settings;
        this.delivery = delivery;
        _token = new PlatformAccessToken(FetchTenantTokenAsync);
    }

    public PlatformCall SendText(string chatId, string text) => new(async () =>
    {
        var token = await _token.GetAsync();
        var payload = new JsonObject
        {
            ["receive_id"] = chatId,
            ["msg_type"] = "text",
            ["content"] = new JsonObject { ["text"] = text }.ToJsonString(),   // the content is itself a JSON string
        };
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.ApiUrl, "open-apis/im/v1/messages?receive_id_type=chat_id"))
        {
            Content = JsonContent.Create(payload),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }, ReadSendFailure);

    private async Task<(string, int)> FetchTenantTokenAsync(CancellationToken ct)
    {
        var url = new Uri(settings.ApiUrl, "open-apis/auth/v3/tenant_access_token/internal");
        JsonElement answer;
        try
        {
            using var response = await delivery.Http.PostAsync(url,
                JsonContent.Create(new JsonObject { ["app_id"] = settings.AppId, ["app_secret"] = settings.AppSecret }), ct);
            var status = (int)response.StatusCode;
            if (status == 429 || status >= 500)
                throw new PlatformCallException($"tenant access token: HTTP {status}", retry: true);
            answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        }
        catch (Exception e) when (e is OperationCanceledException or JsonException or HttpRequestException)
        {
            var why = e switch { JsonException => "the answer is not the open platform's JSON", HttpRequestException => e.Message, _ => "no answer within 10 s" };
            throw new PlatformCallException($"tenant access token: {why}", retry: e is not JsonException);
        }
        if (Code(answer) != 0 || answer.String("tenant_access_token") is not { Length: > 0 } token)
            throw new PlatformCallException($"tenant access token: code {Code(answer)}: {answer.String("msg")} (check feishu app_id and app_secret, and api_url: open.feishu.cn or open.larksuite.com)", retry: false);
        return (token, answer.TryGetProperty("expire", out var e2) && e2.TryGetInt32(out var s) ? s : 7200);
    }

    private async Task<PlatformFailure?> ReadSendFailure(HttpResponseMessage response)
    {
        try
        {
            var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var code = Code(answer);
            if (code == 0 && response.IsSuccessStatusCode)
                return null;
            var badToken = code is 99991663 or 99991661;
            if (badToken)
                _token.Drop();
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: code {code}: {answer.String("msg")}", badToken || code == 99991400);
        }
        catch (JsonException)
        {
            return new PlatformFailure($"HTTP {(int)response.StatusCode}: the answer is not the open platform's JSON", false);
        }
    }

    private static long Code(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("code", out var c) && c.TryGetInt64(out var n) ? n : -1;
}
