using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Server.Tests.Fakes;

namespace Kefu.Server.Tests;

/// <summary>POST /model/test/intents: the loaded NLU evaluated on posted NLU data, in rasa.nlu.test's result shape.</summary>
public class RasaApiModelTestTests
{
    private const string NluYaml = """
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - hello
            - hi there
            - good morning
        - intent: goodbye
          examples: |
            - bye
            - see you later
            - good night
        """;

    private static readonly Lazy<NluModel> Model = new(() => NluTrainer.Train(NluTrainingData.FromExamples([
        .. new[] { "hello", "hi there", "good morning", "hey", "hello there" }.Select(t => new NluExample(t, "greet", [])),
        .. new[] { "bye", "see you later", "good night", "goodbye", "bye bye" }.Select(t => new NluExample(t, "goodbye", [])),
    ]), NluConfig.Default with { Seed = 1, CalibrationFolds = 3 }));

    private static IChatService Bot(IEventStore store) =>
        new DialogueAgent(new Bot(Domain.Empty, Model.Value, new PolicyEnsemble([])), store, BotFactory.CreateActions(Domain.Empty, []));

    private static HttpContent Body(string text, string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    [Fact]
    public async Task Yaml_nlu_data_is_evaluated_in_Rasas_shape()
    {
        await using var host = await TestHost.StartAsync(chat: Bot);

        var response = await host.Client.PostAsync("/model/test/intents", Body(NluYaml, "application/x-yml"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        var intents = result.GetProperty("intent_evaluation");
        var predictions = intents.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(["hello", "hi there", "good morning", "bye", "see you later", "good night"],
            predictions.Select(p => p.GetProperty("text").GetString()));
        Assert.All(predictions, p => Assert.InRange(p.GetProperty("confidence").GetDouble(), 0, 1));
        var correct = predictions.Count(p => p.GetProperty("intent").GetString() == p.GetProperty("predicted").GetString());
        Assert.Equal(correct / 6.0, intents.GetProperty("accuracy").GetDouble(), 6);
        Assert.True(correct >= 4, $"{correct} of 6 right on the training examples");
        Assert.Equal(6 - correct, intents.GetProperty("errors").GetArrayLength());
        var report = intents.GetProperty("report");
        Assert.Equal(3, report.GetProperty("greet").GetProperty("support").GetInt32());
        Assert.Equal(report.GetProperty("weighted avg").GetProperty("f1-score").GetDouble(), intents.GetProperty("f1_score").GetDouble());
        Assert.Equal(report.GetProperty("weighted avg").GetProperty("precision").GetDouble(), intents.GetProperty("precision").GetDouble());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("entity_evaluation").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("response_selection_evaluation").ValueKind);
    }

    [Fact]
    public async Task Rasa_json_nlu_data_is_evaluated_too()
    {
        await using var host = await TestHost.StartAsync(chat: Bot);

        var response = await host.Client.PostAsync("/model/test/intents", Http.Json("""
            {"rasa_nlu_data": {"common_examples": [{"text": "bye", "intent": "goodbye"}, {"text": "hello", "intent": "greet"}]}}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var intents = (await response.ReadJsonAsync()).GetProperty("intent_evaluation");
        Assert.Equal(["goodbye", "greet"], intents.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("intent").GetString()));
    }

    [Theory]
    [InlineData("nlu:\n- intent: greet\n  examples: |\n    - hi\n  bad: [", "application/x-yml", HttpStatusCode.BadRequest, "line")]
    [InlineData("version: \"3.1\"\nnlu: []\n", "text/yaml", HttpStatusCode.BadRequest, "no examples")]
    [InlineData("""{"rasa_nlu_data": 3}""", "application/json", HttpStatusCode.BadRequest, "rasa_nlu_data")]
    [InlineData("- hello", "text/plain", HttpStatusCode.UnsupportedMediaType, "application/x-yml")]
    public async Task Bad_nlu_data_is_refused_saying_why(string body, string contentType, HttpStatusCode status, string detail)
    {
        await using var host = await TestHost.StartAsync(chat: Bot);

        var response = await host.Client.PostAsync("/model/test/intents", Body(body, contentType));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Another_model_or_cross_validation_is_refused_and_the_token_is_wanted()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret", chat: Bot);

        Assert.Equal(HttpStatusCode.Unauthorized,
            (await host.Client.PostAsync("/model/test/intents", Body(NluYaml, "application/x-yml"))).StatusCode);
        var response = await host.AuthorizedClient("s3cret").PostAsync("/model/test/intents?cross_validation_folds=5", Body(NluYaml, "application/x-yml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cross_validation_folds", (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }
}

/// <summary>POST /model/test/stories: the loaded policies on posted test stories, in rasa.core.test's result shape.</summary>
public class RasaApiStoryTestTests
{
    private const string TestStories = """
        version: "3.1"
        stories:
        - story: greet back
          steps:
          - user: |
              你好
            intent: greet
          - action: utter_greet
        - story: wrong answer
          steps:
          - user: |
              再见
            intent: goodbye
          - action: utter_greet
        """;

    private static HttpContent Yaml(string text, string type = "application/x-yml")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    [Fact]
    public async Task Test_stories_are_evaluated_in_Rasas_shape()
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/model/test/stories", Yaml(TestStories));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        var conversations = result.GetProperty("conversation_accuracy");
        Assert.Equal(2, conversations.GetProperty("total").GetInt32());
        Assert.Equal(1, conversations.GetProperty("correct").GetInt32());
        Assert.Equal(0.5, conversations.GetProperty("accuracy").GetDouble());
        var actions = result.GetProperty("actions").EnumerateArray()
            .Select(a => (a.GetProperty("action").GetString(), a.GetProperty("predicted").GetString())).ToList();
        Assert.Contains(("utter_greet", "utter_goodbye"), actions);
        Assert.Contains(("utter_greet", "utter_greet"), actions);
        var right = actions.Count(a => a.Item1 == a.Item2);
        Assert.Equal((double)right / actions.Count, result.GetProperty("accuracy").GetDouble(), 6);
        Assert.True(result.GetProperty("report").TryGetProperty("utter_greet", out _));
        Assert.False(result.GetProperty("is_end_to_end_evaluation").GetBoolean());
        Assert.True(result.TryGetProperty("f1", out _) && result.TryGetProperty("precision", out _));
    }

    [Theory]
    [InlineData("stories:\n- story: x\n  steps: [", "application/x-yml", HttpStatusCode.BadRequest, "line")]
    [InlineData("version: \"3.1\"\nrules: []\n", "text/yaml", HttpStatusCode.BadRequest, "no 'stories:' section")]
    [InlineData("{\"stories\": []}", "application/json", HttpStatusCode.UnsupportedMediaType, "YAML")]
    public async Task Bad_test_stories_are_refused_saying_why(string body, string type, HttpStatusCode status, string detail)
    {
        await using var host = await TestHost.StartAsync(chat: GreeterBot.Create);

        var response = await host.Client.PostAsync("/model/test/stories", Yaml(body, type));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_token_is_wanted()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret", chat: GreeterBot.Create);

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.PostAsync("/model/test/stories", Yaml(TestStories))).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await host.AuthorizedClient("s3cret").PostAsync("/model/test/stories", Yaml(TestStories))).StatusCode);
    }
}
