using Kefu.Cli.Commands;
using Kefu.Data.Augmentation;
using Kefu.Generation.Llm;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Generation;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

public class LlmAugmentationTests
{
    private static readonly NluExample Return = new("我要退这件羽绒服", "return",
        [new EntitySpan(5, 8, "product", "羽绒服")]);

    [Fact]
    public void Paraphrases_keep_only_lines_whose_entities_came_back()
    {
        using var server = new FakeOpenAiServer(_ => new FakeLlmReply(
            "1. 这件[卫衣](product)我想退掉\n- 羽绒服能退吗\n• 退货，[大衣](product)不要了\n[外套](reason)要退\n"));
        var client = LlmClient.Create(new LlmEndpoint(server.BaseUrl, "m", null, TimeSpan.FromSeconds(5)));
        var made = Augmenter.Run(new NluTrainingData([Return], new Dictionary<string, string>(), [], []),
            [new LlmAugmentation(client, backTranslate: false, variants: 3)], perExample: 3, seed: 1);
        Assert.Equal(["这件卫衣我想退掉", "退货，大衣不要了"], made.Select(m => m.Example.Text));
        Assert.All(made, m => Assert.Equal("paraphrase", m.Example.Augmentation));
        Assert.Equal("卫衣", made[0].Example.Text[made[0].Example.Entities[0].Start..made[0].Example.Entities[0].End]);
        // one request for the example, carrying it in Rasa's annotation
        Assert.Contains("我要退这件[羽绒服](product)", Assert.Single(server.Prompts));
    }

    [Fact]
    public void Back_translation_goes_there_and_back()
    {
        using var server = new FakeOpenAiServer(r =>
        {
            string prompt = r.GetProperty("messages")[1].GetProperty("content").GetString()!;
            return new FakeLlmReply(prompt.Contains("into English") ? "I want to return this [down jacket](product)\nReturn this [coat](product)" : "我想退这件[羽绒外套](product)");
        });
        var client = LlmClient.Create(new LlmEndpoint(server.BaseUrl, "m", null, TimeSpan.FromSeconds(5)));
        var made = Augmenter.Run(new NluTrainingData([Return], new Dictionary<string, string>(), [], []),
            [new LlmAugmentation(client, backTranslate: true, variants: 2)], perExample: 2, seed: 1);
        Assert.Equal(["我想退这件羽绒外套"], made.Select(m => m.Example.Text));     // both back-translations agree: one new text
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public void The_command_needs_an_llm_section_and_writes_nothing_when_the_endpoint_fails()
    {
        using var project = TempProject.Valid();
        var augment = DataAugmentCommand.Create();
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--methods", "paraphrase"]).Invoke());

        using var server = new FakeOpenAiServer(_ => new FakeLlmReply("", Status: 503));
        project.Write("endpoints.yml", $"llm:\n  url: {server.BaseUrl}\n  model: m\n");
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--methods", "paraphrase"]).Invoke());
        Assert.False(File.Exists(Path.Combine(project.Dir, "data", "nlu_augmented.yml")));
        Assert.DoesNotContain(RasaProject.Load(project.Dir).Diagnostics, d => d.Message.Contains("llm"));
    }
}
