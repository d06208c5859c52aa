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
