using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kefu.Models;

namespace Kefu.Server.Tests;

/// <summary>POST /model/train: a Rasa YAML project in one document in, the model archive out.</summary>
public class RasaApiTrainTests
{
    private const string Project = """
        version: "3.1"
        language: en
        pipeline:
        - name: WhitespaceTokenizer
        - name: CountVectorsFeaturizer
        - name: LogisticRegressionClassifier
        policies:
        - name: RulePolicy
        intents: [greet, goodbye]
        responses:
          utter_greet:
          - text: Hello!
          utter_goodbye:
          - text: Bye!
        nlu:
        - intent: greet
          examples: |
            - hello
            - hi
            - good morning
        - intent: goodbye
          examples: |
            - bye
            - see you
            - good night
        rules:
        - rule: greet back
          steps:
          - intent: greet
          - action: utter_greet
        """;

    private static HttpContent Yaml(string text, string type = "application/x-yml")
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    [Fact]
    public async Task A_posted_project_is_trained_and_its_model_archive_answered()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret");

        var response = await host.AuthorizedClient("s3cret").PostAsync("/model/train", Yaml(Project));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var name = Assert.Single(response.Headers.GetValues("filename"));
        Assert.EndsWith(".kefu", name);
        Assert.Equal(name, response.Content.Headers.ContentDisposition?.FileName);
        var folder = Directory.CreateTempSubdirectory("kefu-trained-");
        try
        {
            var path = Path.Combine(folder.FullName, name);
            await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
            var bot = TrainedBot.Load(path);
            Assert.Equal(["goodbye", "greet"], bot.Nlu.Intents.Labels.Order());
            Assert.Equal("greet", bot.Nlu.Parse("hello").Intent.Name);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("version: \"3.1\"\nintents: [greet]\n", "application/x-yml", HttpStatusCode.BadRequest, "cannot be trained")]
    [InlineData("nlu: [", "text/yaml", HttpStatusCode.BadRequest, "line")]
    [InlineData("{\"config\": \"x\"}", "application/json", HttpStatusCode.UnsupportedMediaType, "YAML")]
    [InlineData("nlu: []", "text/plain", HttpStatusCode.UnsupportedMediaType, "application/x-yml")]
    public async Task A_project_that_cannot_be_trained_is_refused_saying_why(string body, string type, HttpStatusCode status, string detail)
    {
        await using var host = await TestHost.StartAsync();

        var response = await host.Client.PostAsync("/model/train", Yaml(body, type));

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(detail, (await response.ReadProblemAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_posted_config_may_not_read_the_servers_files_into_the_archive()
    {
        // JiebaTokenizer's dictionary_path words are stored with the model: a path on the server would be answered in the archive.
        var secret = Path.Combine(Path.GetTempPath(), $"kefu-secret-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(secret, "TOPSECRET-7f3a\n");
        try
        {
            await using var host = await TestHost.StartAsync(token: "s3cret");
            var project = Project.Replace("- name: WhitespaceTokenizer", $"- name: JiebaTokenizer\n  dictionary_path: {secret}");

            var response = await host.AuthorizedClient("s3cret").PostAsync("/model/train", Yaml(project));

            var answer = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString();
            Assert.Contains("dictionary_path", detail);
            Assert.Contains("config.yml line 5", detail);
            Assert.DoesNotContain("TOPSECRET", detail);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public async Task A_posted_config_may_not_load_a_model_folder_of_the_server()
    {
        var folder = Directory.CreateTempSubdirectory("kefu-encoder-");
        try
        {
            await using var host = await TestHost.StartAsync(token: "s3cret");
            var project = Project.Replace("- name: LogisticRegressionClassifier",
                $"- name: LanguageModelFeaturizer\n  model_weights: {folder.FullName}\n- name: LogisticRegressionClassifier");

            var response = await host.AuthorizedClient("s3cret").PostAsync("/model/train", Yaml(project));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.ReadProblemAsync()).GetProperty("detail").GetString();
            Assert.Contains("model_weights", detail);
            Assert.Contains("on the server", detail);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_token_is_wanted_and_saving_on_the_server_is_refused()
    {
        await using var host = await TestHost.StartAsync(token: "s3cret");

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.PostAsync("/model/train", Yaml(Project))).StatusCode);
        var response = await host.AuthorizedClient("s3cret").PostAsync("/model/train?save_to_default_model_directory=true", Yaml(Project));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
