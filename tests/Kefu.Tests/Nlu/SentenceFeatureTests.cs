using Kefu.Models;
using Kefu.Nlu;
using Kefu.Nlu.Entities;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training;

namespace Kefu.Tests.Nlu;

/// <summary>CRFEntityExtractor's sentence_features: the message's words at every token.</summary>
public class SentenceFeatureTests
{
    /// <summary>
    /// "评分4分以上" is a hotel's or an attraction's rating by a word further away than the CRF's window of two tokens each
    /// side: the padding 帮我找一个 keeps 酒店 and 景点 out of reach of the value.
    /// </summary>
    static NluTrainingData Ratings()
    {
        var examples = new List<NluExample>();
        string[] values = ["4分以上", "4.5分以上", "5分", "3分以上", "4分"];
        foreach (var (domain, noun) in new[] { ("hotel", "酒店"), ("attraction", "景点") })
            foreach (var value in values)
                foreach (var (before, after) in new[] { ($"我想找{noun}，帮我找一个评分", "的"), ($"{noun}要好一点的，帮我找一个评分", "的吧"), ("帮我找一个评分", $"的{noun}") })
                {
                    string text = before + value + after;
                    examples.Add(new NluExample(text, "find", [new EntitySpan(before.Length, before.Length + value.Length, $"{domain}_rating", value)]));
                }
        return NluTrainingData.FromExamples(examples);
    }

    static IReadOnlyList<EntitySpan> Extract(bool sentenceFeatures, string text) =>
        EntityTrainer.Train(Ratings(), new CrfOptions(SentenceFeatures: sentenceFeatures), seed: 1).Extract(text);

    [Fact]
    public void A_word_outside_the_window_decides_the_type()
    {
        const string text = "我想找景点，帮我找一个评分4.5分以上的";
        Assert.Equal("attraction_rating", Assert.Single(Extract(true, text)).Entity);
        Assert.Equal("hotel_rating", Assert.Single(Extract(true, "我想找酒店，帮我找一个评分4.5分以上的")).Entity);
        // without them both messages look the same around the value, and get the same type
        Assert.Equal(Extract(false, text).Single().Entity, Extract(false, "我想找酒店，帮我找一个评分4.5分以上的").Single().Entity);
    }

    [Fact]
    public void The_option_is_read_from_config_and_kept_in_the_archive()
    {
        using var project = TempProject.Valid(("config.yml", "pipeline:\n  - name: CRFEntityExtractor\n    sentence_features: true\n"));
        var config = ProjectTrainer.NluConfigFor(RasaProject.Load(project.Dir));
        Assert.True(config.Entities.SentenceFeatures);

        var model = NluTrainer.Train(Ratings(), NluTestData.FastConfig() with { Entities = config.Entities });
        string path = Path.Combine(Path.GetTempPath(), $"kefu-sentence-{Guid.NewGuid():N}.kefu");
        try
        {
            ModelArchive.Save(path, model);
            var loaded = (EntityExtractor)ModelArchive.Load(path).Nlu.Entities!;
            Assert.True(loaded.SentenceFeatures);
            const string text = "景点要好一点的，帮我找一个评分5分的吧";
            Assert.Equal(model.Entities!.Extract(text), loaded.Extract(text));
        }
        finally
        {
            File.Delete(path);
        }

        using var bad = TempProject.Valid(("config.yml", "pipeline:\n  - name: CRFEntityExtractor\n    sentence_features: yes please\n"));
        var e = Assert.Throws<ProjectException>(() => ProjectTrainer.NluConfigFor(RasaProject.Load(bad.Dir)));
        Assert.Equal(3, e.Diagnostics[0].Location.Line);
    }
}
