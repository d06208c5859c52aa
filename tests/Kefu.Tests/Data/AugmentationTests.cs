using Kefu.Data;
using Kefu.Data.Augmentation;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;
using Kefu.Training.Tuning;

namespace Kefu.Tests.Data;

public class AugmentationTests
{
    private static readonly NluTrainingData Shop = new(
    [
        new NluExample("我要退这件羽绒服，尺码不对", "return", [new EntitySpan(5, 8, "product", "羽绒服"), new EntitySpan(9, 13, "reason", "尺码不对")]),
        new NluExample("帮我查一下运动鞋的物流", "track", [new EntitySpan(5, 8, "product", "运动鞋")]),
        new NluExample("这条连衣裙什么时候发货", "track", [new EntitySpan(2, 5, "product", "连衣裙")]),
        new NluExample("where is my parcel, I ordered a jacket", "track", [new EntitySpan(32, 38, "product", "jacket")]),
        new NluExample("the sneakers are too small, I want a refund", "return", [new EntitySpan(4, 12, "product", "sneakers"), new EntitySpan(17, 26, "reason", "尺码不对")]),
    ],
    new Dictionary<string, string> { ["too small"] = "尺码不对", ["大了"] = "尺码不对", ["尺码不对"] = "尺码不对" },
    [], [new LookupTable("product", ["卫衣", "牛仔裤"])]);

    [Fact]
    public void Edits_move_entity_spans_and_refuse_to_cut_into_one()
    {
        var example = Shop.Examples[0];
        var moved = TextEdits.Apply(example, [new TextEdit(0, 2, "我想"), new TextEdit(2, 2, "要"), new TextEdit(5, 8, "卫衣")])!;
        Assert.Equal("我想要退这件卫衣，尺码不对", moved.Text);
        Assert.Equal("卫衣", moved.Text[moved.Entities[0].Start..moved.Entities[0].End]);
        Assert.Equal("尺码不对", moved.Text[moved.Entities[1].Start..moved.Entities[1].End]);
        Assert.Null(TextEdits.Apply(example, [new TextEdit(6, 7, "x")]));      // inside 羽绒服
        // an insertion right at a span's end is outside it
        var after = TextEdits.Apply(example, [new TextEdit(8, 8, "外套")])!;
        Assert.Equal("羽绒服", after.Text[after.Entities[0].Start..after.Entities[0].End]);
    }

    [Theory]
    [InlineData("entities")]
    [InlineData("synonyms")]
    [InlineData("typos")]
    [InlineData("zh-noise")]
    [InlineData("words")]
    public void Every_method_keeps_annotations_exact_and_marks_its_examples(string method)
    {
        var made = Augmenter.Run(Shop, [Augmenter.Find(method)!], perExample: 3, seed: 7);
        Assert.NotEmpty(made);
        foreach (var m in made)
        {
            Assert.Equal(method, m.Example.Augmentation);
            Assert.DoesNotContain(Shop.Examples, e => e.Text == m.Example.Text);
            var source = Shop.Examples.Single(e => e.Text == m.Source);
            Assert.Equal(source.Intent, m.Example.Intent);
            Assert.Equal(source.Entities.Count, m.Example.Entities.Count);
            foreach (var (span, old) in m.Example.Entities.Zip(source.Entities))
            {
                string surface = m.Example.Text[span.Start..span.End];
                Assert.Equal(old.Entity, span.Entity);
                // only entity substitution changes an entity's text; the others leave it as it was
                if (method != "entities" && method != "synonyms") Assert.Equal(m.Source[old.Start..old.End], surface);
                if (method == "entities" && surface != m.Source[old.Start..old.End]) Assert.Equal(surface, span.Value);
            }
        }
        Assert.Equal(made.Count, made.Select(m => m.Example.Text).Distinct().Count());
    }

    [Fact]
    public void Intent_names_written_in_words_become_one_example_each_except_for_chinese_data()
    {
        var english = NluTrainingData.FromExamples(
        [
            new NluExample("my card has not come yet", "card_arrival", []),
            new NluExample("when will the card get here", "card_arrival", []),
            new NluExample("how much is it", "faq/ask_price", []),
            new NluExample("hello", "greet", []),
            new NluExample("call me back", "intent_2b!", []),
        ]);
        var made = Augmenter.Run(english, [Augmenter.Find("labels")!], perExample: 3, seed: 1);
        // one per intent however many examples it has; "intent_2b!" is not written in words
        Assert.Equal(["card arrival", "ask price", "greet"], made.Select(m => m.Example.Text).ToArray());
        Assert.All(made, m => Assert.Equal("labels", m.Example.Augmentation));
        Assert.Equal(["card_arrival", "faq/ask_price", "greet"], made.Select(m => m.Example.Intent).ToArray());

        Assert.Empty(Augmenter.Run(Shop, [Augmenter.Find("labels")!], perExample: 3, seed: 1));   // three of five are Chinese
    }

    [Fact]
    public void Substitutions_draw_from_the_projects_own_values_and_synonyms()
    {
        var entities = Augmenter.Run(Shop, [new EntitySubstitution()], 10, 1);
        var products = entities.SelectMany(m => m.Example.Entities.Where(s => s.Entity == "product").Select(s => m.Example.Text[s.Start..s.End])).ToHashSet();
        Assert.Contains("卫衣", products);                                  // from the lookup table
        Assert.Subset(new HashSet<string> { "羽绒服", "运动鞋", "连衣裙", "jacket", "sneakers", "卫衣", "牛仔裤" }, products);

        var synonyms = Augmenter.Run(Shop, [new SynonymSubstitution()], 10, 1);
        Assert.Contains(synonyms, m => m.Example.Text == "我要退这件羽绒服，大了" && m.Example.Entities[1].Value == "尺码不对");
    }

    [Fact]
    public void Same_seed_same_examples_and_earlier_augmented_ones_change_nothing()
    {
        var a = Augmenter.Run(Shop, Augmenter.Methods, 2, 5).Select(m => m.Example.Text).ToList();
        var b = Augmenter.Run(Shop, Augmenter.Methods, 2, 5).Select(m => m.Example.Text).ToList();
        Assert.Equal(a, b);
        var withOld = Shop with { Examples = Shop.Examples.Append(new NluExample("old", "track", []) { Augmentation = "typos" }).ToList() };
        Assert.Equal(a, Augmenter.Run(withOld, Augmenter.Methods, 2, 5).Select(m => m.Example.Text).ToList());
    }

    [Fact]
    public void A_rerun_over_its_own_earlier_output_writes_the_same_file()
    {
        // the Chinese sample: synonyms inside entities, whose augmented spans keep their canonical values
        using var project = new TempProject("kefu-augment-rerun-");
        string sample = Path.Combine(RepoPaths.Root, "samples", "ecommerce-zh");
        foreach (string file in new[] { "domain.yml", "config.yml", "data/nlu.yml" })
            project.Write(file, File.ReadAllText(Path.Combine(sample, file)));
        string output = project.PathOf("data/nlu_augmented.yml");
        var augment = Kefu.Cli.Commands.DataAugmentCommand.Create();
        Assert.Equal(0, augment.Parse(["--project", project.Dir]).Invoke());
        string first = File.ReadAllText(output);
        Assert.Equal(0, augment.Parse(["--project", project.Dir]).Invoke());
        Assert.Equal(first, File.ReadAllText(output));
        // it replaces its own earlier output, never the project's files nor a folder
        string nlu = File.ReadAllText(project.PathOf("data/nlu.yml"));
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--out", project.PathOf("data/nlu.yml")]).Invoke());
        Assert.Equal(nlu, File.ReadAllText(project.PathOf("data/nlu.yml")));
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--out", project.PathOf("data")]).Invoke());
        Assert.False(File.Exists(project.PathOf("data.tmp")));
        // and the file's annotated values never become the project's synonyms
        Assert.Equal(RasaProject.Load(sample).Nlu.Synonyms.OrderBy(p => p.Key), RasaProject.Load(project.Dir).Nlu.Synonyms.OrderBy(p => p.Key));
    }

    [Fact]
    public void The_written_file_reads_back_as_augmented_examples_with_their_entities()
    {
        var made = Augmenter.Run(Shop, Augmenter.Methods, 2, 3);
        using var project = new TempProject("kefu-augment-");
        string path = Path.Combine(project.Dir, "nlu_augmented.yml");
        using (var writer = new StreamWriter(path)) AugmentedNluWriter.Write(writer, made, "test");
        var back = NluFile.Load(path).Examples;
        Assert.Equal(made.Select(m => (m.Example.Text, m.Example.Intent, m.Method)).Order(),
            back.Select(e => (e.Text, e.Intent, e.Augmentation!)).Order());
        foreach (var e in back)
        {
            var original = made.Single(m => m.Example.Text == e.Text).Example;
            Assert.Equal(original.Entities.Select(s => (s.Start, s.End, s.Entity, s.Value)), e.Entities.Select(s => (s.Start, s.End, s.Entity, s.Value)));
        }
    }

    [Fact]
    public void Augmented_examples_never_reach_a_test_fold()
    {
        var real = Enumerable.Range(0, 30).Select(i => new NluExample($"text {i}", i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c", [])).ToList();
        var augmented = Enumerable.Range(0, 30).Select(i => new NluExample($"noisy {i}", "a", []) { Augmentation = "typos" });
        var folds = Tuner.Folds(NluTrainingData.FromExamples(real.Concat(augmented).ToList()), 3, 1);
        Assert.All(folds, f => Assert.DoesNotContain(f.Test, e => e.Augmentation is not null));
        Assert.All(folds, f => Assert.Equal(30, f.Train.Examples.Count(e => e.Augmentation is not null)));
        Assert.Equal(30, folds.Sum(f => f.Test.Count));
    }

    [Fact]
    public void Data_split_keeps_augmented_examples_in_training()
    {
        var examples = Enumerable.Range(0, 20).Select(i => new NluExample($"text {i}", i % 2 == 0 ? "a" : "b", []))
            .Concat(Enumerable.Range(0, 20).Select(i => new NluExample($"noisy {i}", "a", []) { Augmentation = "typos" })).ToList();
        var split = NluSplitter.Split(new NluDocument(examples, [], [], []), 0.5, 1);
        Assert.DoesNotContain(split.Test.Examples, e => e.Augmentation is not null);
        Assert.Equal(20, split.Train.Examples.Count(e => e.Augmentation is not null));
    }
}
