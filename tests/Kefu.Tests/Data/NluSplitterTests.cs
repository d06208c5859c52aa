using Kefu.Data;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

public class NluSplitterTests
{
    private static NluDocument Document(params (string Intent, int Count)[] intents) =>
        new(intents.SelectMany(i => Enumerable.Range(0, i.Count).Select(k => new NluExample($"{i.Intent} example {k}", i.Intent, []))).ToList(),
            [new SynonymSet("savings", ["piggy bank"])], [new RegexFeature("zip", ["[0-9]{5}"])], [new LookupTable("city", ["Rome"])]);

    [Fact]
    public void Each_intent_is_split_by_the_fraction_and_single_examples_go_to_training()
    {
        var split = NluSplitter.Split(Document(("a", 10), ("b", 5), ("c", 1), ("d", 2)), 0.8, seed: 7);
        int Count(NluDocument d, string intent) => d.Examples.Count(e => e.Intent == intent);
        Assert.Equal((8, 2), (Count(split.Train, "a"), Count(split.Test, "a")));
        Assert.Equal((4, 1), (Count(split.Train, "b"), Count(split.Test, "b")));
        Assert.Equal((1, 0), (Count(split.Train, "c"), Count(split.Test, "c")));
        Assert.Equal((1, 1), (Count(split.Train, "d"), Count(split.Test, "d")));  // 0.4 rounds to 0; each side keeps one
        Assert.Contains(split.Notes, n => n.Contains("single example") && n.Contains('c'));
        Assert.Empty(split.Train.Examples.Intersect(split.Test.Examples));
        Assert.Equal(18, split.Train.Examples.Count + split.Test.Examples.Count);
        foreach (var half in new[] { split.Train, split.Test })
        {
            Assert.Equal("piggy bank", half.Synonyms.Single().Examples.Single());
            Assert.Single(half.Regexes);
            Assert.Single(half.Lookups);
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_split_and_another_seed_another()
    {
        var doc = Document(("a", 30), ("b", 30));
        var first = NluSplitter.Split(doc, 0.7, seed: 1);
        Assert.Equal(first.Test.Examples, NluSplitter.Split(doc, 0.7, seed: 1).Test.Examples);
        Assert.NotEqual(first.Test.Examples, NluSplitter.Split(doc, 0.7, seed: 2).Test.Examples);
        // each half keeps the file order of its examples
        Assert.Equal(first.Test.Examples.OrderBy(e => doc.Examples.ToList().IndexOf(e)), first.Test.Examples);
    }

    [Fact]
    public void The_command_writes_rasa_yaml_that_the_project_reader_reads()
    {
        using var temp = new TempProject("kefu-split-");
        temp.Write("data/nlu.yml", "version: \"3.1\"\nnlu:\n- intent: greet\n  examples: |\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"    - hello {i}\n"))
            + "- intent: order\n  examples: |\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"    - order [DD{i}](order_id)\n"))
            + "- synonym: DD0\n  examples: |\n    - dd zero\n");
        temp.Write("data/stories.yml", "version: \"3.1\"\nstories: []\n");
        var (code, output, error) = DataCli.Run("split", "nlu", "--nlu", temp.PathOf("data"), "--training-fraction", "0.6", "--random-seed", "3", "--out", temp.PathOf("out"));
        Assert.True(code == 0, error);
        Assert.Contains("training_data.yml: 9 examples of 2 intents", output);
        var train = NluFile.Load(temp.PathOf("out/training_data.yml"));
        var test = NluFile.Load(temp.PathOf("out/test_data.yml"));
        Assert.Equal((9, 6), (train.Examples.Count, test.Examples.Count));
        Assert.All(test.Examples.Where(e => e.Intent == "order"), e => Assert.Equal("order_id", e.Entities.Single().Entity));
        Assert.Equal("DD0", test.Synonyms["dd zero"]);
    }

    [Theory]
    [InlineData("1.0", "between 0 and 1")]
    [InlineData("0", "between 0 and 1")]
    public void A_fraction_outside_zero_and_one_is_refused(string fraction, string message)
    {
        var (code, _, error) = DataCli.Run("split", "nlu", "--nlu", "nowhere.yml", "--training-fraction", fraction);
        Assert.Equal(1, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public void An_output_folder_inside_the_nlu_folder_is_refused_and_nothing_is_written()
    {
        using var temp = new TempProject("kefu-split-", ("data/nlu.yml", "nlu:\n- intent: greet\n  examples: |\n    - hi\n    - hello\n"));
        var (code, _, error) = DataCli.Run("split", "nlu", "--nlu", temp.PathOf("data"), "--out", temp.PathOf("data/split"));
        Assert.Equal(1, code);
        Assert.Contains("is inside) an input", error);
        Assert.False(Directory.Exists(temp.PathOf("data/split")));
        Assert.Equal(["nlu.yml"], Directory.GetFiles(temp.PathOf("data")).Select(Path.GetFileName));
    }

    [Fact]
    public void Bad_input_writes_nothing()
    {
        using var temp = new TempProject("kefu-split-", ("nlu.yml", "nlu:\n- intent: greet\n  examples: |\n    - hi [x\n"));
        var (code, _, error) = DataCli.Run("split", "nlu", "--nlu", temp.PathOf("nlu.yml"), "--out", temp.PathOf("out"));
        Assert.Equal(1, code);
        Assert.Contains("nlu.yml:4:10: error: '[' is never closed", error);
        Assert.False(Directory.Exists(temp.PathOf("out")));
    }
}
