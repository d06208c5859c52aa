using Kefu.Nlu;
using Kefu.Nlu.Entities;

namespace Kefu.Tests.Nlu;

public class EntityTests
{
    static readonly Lazy<NluModel> Model = new(() => NluTrainer.Train(NluTestData.WithEntities(), NluTestData.FastConfig()));

    [Fact]
    public void Crf_finds_english_city_spans_with_offsets()
    {
        const string text = "book a flight to london";
        var entity = Assert.Single(Model.Value.Parse(text).Entities);
        Assert.Equal(("city", "london"), (entity.Entity, text[entity.Start..entity.End]));
    }

    [Fact]
    public void Crf_finds_chinese_products_between_characters()
    {
        const string text = "我想买耳机";
        var entity = Assert.Single(Model.Value.Parse(text).Entities);
        Assert.Equal(("product", "耳机"), (entity.Entity, text[entity.Start..entity.End]));
    }

    [Fact]
    public void Roles_are_learnt_beside_the_entity()
    {
        // Rasa's `[Berlin]{"entity": "city", "role": "departure"}`: the same entity, told apart by where it stands.
        string[] cities = ["berlin", "paris", "rome", "london", "madrid", "vienna", "oslo", "lisbon"];
        var examples = new List<NluExample>();
        for (int i = 0; i < cities.Length; i++)
        {
            string from = cities[i], to = cities[(i + 3) % cities.Length];
            string text = $"fly from {from} to {to}";
            examples.Add(new NluExample(text, "book_flight", [
                new EntitySpan(9, 9 + from.Length, "city", from, Role: "departure"),
                new EntitySpan(13 + from.Length, text.Length, "city", to, Role: "destination")]));
        }
        var model = NluTrainer.Train(NluTrainingData.FromExamples(examples), NluTestData.FastConfig());

        var found = model.Parse("fly from oslo to madrid").Entities;
        Assert.Equal([("oslo", "departure"), ("madrid", "destination")], found.Select(e => (e.Value, e.Role)));
        Assert.Equal(["city (role departure)", "city (role destination)"], model.Entities!.EntityTypes.Select(EntityExtractor.Describe));
    }

    [Fact]
    public void Synonyms_map_values_to_their_canonical_form()
    {
        const string text = "book a flight to nyc";
        var entity = Assert.Single(Model.Value.Parse(text).Entities);
        Assert.Equal("nyc", text[entity.Start..entity.End]);
        Assert.Equal("New York", entity.Value);
    }

    [Fact]
    public void Lookup_tables_named_after_an_entity_extract_it()
    {
        var entities = Model.Value.Entities!.Extract("hmm, paris?");
        var entity = Assert.Single(entities);
        Assert.Equal(("city", 5, 10), (entity.Entity, entity.Start, entity.End));
    }

    [Fact]
    public void Bilou_decoding_is_lenient_and_loses_no_tagged_token()
    {
        // O B-0 I-0 L-0 U-1 I-1 O B-0 (unclosed)
        int[] tags = [0, 1, 2, 3, 8, 6, 0, 1];
        var spans = BilouTags.Decode(tags, 2);
        Assert.Equal([(1, 3, 0), (4, 4, 1), (5, 5, 1), (7, 7, 0)], spans);
    }
}

public class NluBenchmarkTests
{
    [Fact]
    public void Bench_reports_entity_f1_and_oos_fields_only_when_asked()
    {
        var data = NluTestData.WithEntities();
        var plain = Kefu.Nlu.Evaluation.NluBenchmark.Run(data, data, NluTestData.FastConfig());
        Assert.NotNull(plain.EntityF1);
        Assert.InRange(plain.EntityF1!.Value, 0.9, 1.0);
        Assert.Null(plain.OosRecall);
        Assert.Null(plain.InScopeAccuracy);

        var intents = NluTestData.Intentions();
        var withOos = Kefu.Nlu.Evaluation.NluBenchmark.Run(intents, intents, NluTestData.FastConfig() with { OosLabel = "goodbye" });
        Assert.NotNull(withOos.OosRecall);
        Assert.NotNull(withOos.InScopeAccuracy);
        Assert.Null(withOos.EntityF1);
        Assert.Equal(40, withOos.NTest);
    }

    [Fact]
    public void Macro_f1_averages_over_gold_and_predicted_labels()
    {
        // a: tp 1, fn 1 -> 2/3; b: fp 1 -> 0; c: tp 1 -> 1
        double f1 = Kefu.Nlu.Evaluation.NluBenchmark.MacroF1(["a", "a", "c"], ["a", "b", "c"]);
        Assert.Equal((2.0 / 3 + 0 + 1) / 3, f1, 6);
    }
}
