using System.Net;

namespace Kefu.Server.Tests;

/// <summary>Issue 13 part 7: a bad JSON body is explained in JSON's words, with where, and no .NET type or exception text.</summary>
public class JsonErrorTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "/webhooks/rest/webhook", """{"sender":7,"message":"hi"}""", "sender must be a string, not the number 7" },
        { "/webhooks/rest/webhook", """{"sender":{"id":1},"message":"hi"}""", "sender must be a string, not an object" },
        { "/webhooks/rest/webhook", """{"sender":"u1","message":true}""", "message must be a string, not true" },
        { "/webhooks/rest/webhook", """{"sender":"u1","message":["a"]}""", "message must be a string, not an array" },
        { "/webhooks/rest/webhook", "[1,2]", "the request body must be a JSON object, not an array" },
        { "/webhooks/rest/webhook", "\"hi\"", "the request body must be a JSON object, not the string \"hi\"" },
        { "/webhooks/rest/webhook", "42", "the request body must be a JSON object, not the number 42" },
        { "/model/parse", """{"text":12.5}""", "text must be a string, not the number 12.5" },
        { "/conversations/c1/messages", """{"sender":"agent","agent":false,"text":"hi"}""", "agent must be a string, not false" },
        { "/webhooks/rest/webhook", """{"sender" "u1"}""", "malformed JSON at byte 10 (line 1): " },
        { "/webhooks/rest/webhook", "{\n  \"sender\": \"u1\",\n  \"message\": \"hi\",\n}", "malformed JSON at byte 39 (line 4): " },
        { "/webhooks/rest/webhook", """{"sender":"u1","message":""", "malformed JSON at byte 25 (line 1): " },
        { "/webhooks/rest/webhook", """{"sender":"u1" /* who */, "message":"hi"}""", "malformed JSON at byte 15 (line 1): " },
        { "/webhooks/rest/webhook", """{"sender":"u1","message":"hi"} x""", "malformed JSON at byte 31 (line 1): " },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_json_says_what_and_where_without_dotnet_internals(string path, string body, string expected)
    {
        await using var host = await TestHost.StartAsync();
        var response = await host.Client.PostAsync(path, Http.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadProblemAsync();
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.StartsWith(expected, detail);
        foreach (var internals in new[] { "System.", "JsonException", "LineNumber", "BytePositionInLine", "Path: $", "could not be converted" })
            Assert.DoesNotContain(internals, problem.ToString());
        Assert.Empty(await host.Store.ListConversationsAsync());
    }

    [Fact]
    public async Task The_byte_offset_points_at_the_offending_character()
    {
        await using var host = await TestHost.StartAsync();
        const string body = """{"sender":"u1","message":"hi",,}""";

        var detail = (await (await host.Client.PostAsync("/webhooks/rest/webhook", Http.Json(body))).ReadProblemAsync())
            .GetProperty("detail").GetString()!;

        Assert.StartsWith($"malformed JSON at byte {body.IndexOf(",,", StringComparison.Ordinal) + 1} (line 1): ", detail);
    }
}
