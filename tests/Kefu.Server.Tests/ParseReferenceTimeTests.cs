using System.Net;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Nlu.Extractors.Duckling;
using Kefu.Projects;

namespace Kefu.Server.Tests;

/// <summary>POST /model/parse's reference_time, through the dialogue engine to a parser with Duckling's time dimension.</summary>
public class ParseReferenceTimeTests
{
    [Fact]
    public async Task Relative_times_count_from_the_reference_time()
    {
        await using var host = await TestHost.StartAsync(chat: DucklingBot.Create);
        var response = await host.Client.PostAsync("/model/parse",
            Http.Json("""{"text":"😀明天下午三点到","reference_time":"2024-11-13T10:30:00+08:00"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entity = Assert.Single((await response.ReadJsonAsync()).GetProperty("entities").EnumerateArray());
        Assert.Equal("time", entity.GetProperty("entity").GetString());
        Assert.Equal("2024-11-14T15:00:00.000+08:00", entity.GetProperty("value").GetString());
        Assert.Equal("DucklingEntityExtractor", entity.GetProperty("extractor").GetString());
        Assert.Equal("hour", entity.GetProperty("additional_info").GetProperty("grain").GetString());
        // offsets in characters, as Rasa's: the emoji is one
        Assert.Equal((1, 7), (entity.GetProperty("start").GetInt32(), entity.GetProperty("end").GetInt32()));

        response = await host.Client.PostAsync("/model/parse",
            Http.Json("""{"text":"今晚","reference_time":"2024-12-31T23:00:00Z"}"""));
        var tonight = Assert.Single((await response.ReadJsonAsync()).GetProperty("entities").EnumerateArray());
        // 23:00 UTC on the 31st is the 1st in Shanghai
        Assert.Equal("2025-01-01T18:00:00.000+08:00", tonight.GetProperty("value").GetProperty("from").GetString());
        Assert.Equal("2025-01-02T00:00:00.000+08:00", tonight.GetProperty("value").GetProperty("to").GetString());
    }

    [Fact]
    public async Task Without_a_reference_time_it_is_now()
    {
        await using var host = await TestHost.StartAsync(chat: DucklingBot.Create);
        var response = await host.Client.PostAsync("/model/parse", Http.Json("""{"text":"明天"}"""));
        var entity = Assert.Single((await response.ReadJsonAsync()).GetProperty("entities").EnumerateArray());
        var tomorrow = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Date.AddDays(1);
        Assert.StartsWith(tomorrow.ToString("yyyy-MM-dd"), entity.GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("\"tomorrow\"")]
    [InlineData("\"2024-11-13 10:30\"")]
    public async Task A_reference_time_without_an_offset_is_400(string referenceTime)
    {
        await using var host = await TestHost.StartAsync(chat: DucklingBot.Create);
        var response = await host.Client.PostAsync("/model/parse", Http.Json($$"""{"text":"明天","reference_time":{{referenceTime}}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reference_time", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    /// <summary>The real dialogue engine over a parser whose only entities are Duckling's time.</summary>
    private static class DucklingBot
    {
        public static IChatService Create(IEventStore store)
        {
            var project = Directory.CreateTempSubdirectory("kefu-duckling-");
            try
            {
                File.WriteAllText(Path.Combine(project.FullName, "domain.yml"), "version: \"3.1\"\nintents: [inform]\n");
                var domain = RasaProject.Load(project.FullName).Domain;
                return new DialogueAgent(new Bot(domain, new TimeParser(), new PolicyEnsemble([])), store, BotFactory.CreateActions(domain, []));
            }
            finally
            {
                project.Delete(recursive: true);
            }
        }

        private sealed class TimeParser : IMessageParser
        {
            private readonly DucklingEntityExtractor duckling = new(new DucklingConfig(["time"], "zh_CN", "Asia/Shanghai"));

            public NluParse Parse(string text) => Parse(text, DateTimeOffset.UtcNow);

            public NluParse Parse(string text, DateTimeOffset referenceTime)
            {
                var intent = new IntentPrediction("inform", 1f);
                return new NluParse(text, intent, [intent], duckling.Extract(text, referenceTime));
            }
        }
    }
}
