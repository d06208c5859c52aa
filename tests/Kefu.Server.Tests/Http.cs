using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kefu.Server.Tests;

internal static class Http
{
    public static HttpContent Json(string raw) => Bytes(Encoding.UTF8.GetBytes(raw));

    public static HttpContent Bytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static string Serialize(object value) => JsonSerializer.Serialize(value);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>The ProblemDetails body of an error answer, checked to be one.</summary>
    public static async Task<JsonElement> ReadProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadJsonAsync();
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
