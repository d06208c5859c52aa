using Kefu.Nlu;

namespace Kefu.Tests.Nlu;

/// <summary>A small bilingual training set with entities, built in memory.</summary>
internal static class NluTestData
{
    static readonly (string Intent, string[] Texts)[] Intents =
    [
        ("greet", ["hello", "hi there", "good morning", "hey", "hello friend", "hi", "你好", "您好", "早上好", "嗨"]),
        ("goodbye", ["bye", "goodbye", "see you later", "bye bye", "good night", "see you", "再见", "拜拜", "回头见", "晚安"]),
        ("refund", ["i want a refund", "give me my money back", "refund my order", "how do i get a refund", "can i return this for a refund",
                    "i need a refund now", "我要退款", "退钱给我", "怎么退款", "申请退款"]),
        ("track_order", ["where is my order", "track my package", "has my parcel shipped", "when will my order arrive", "order status please",
                         "where is my delivery", "我的快递到哪了", "查一下物流", "订单什么时候到", "包裹到哪里了"]),
    ];

    public static NluTrainingData Intentions() =>
        NluTrainingData.FromExamples(Intents.SelectMany(i => i.Texts.Select(t => new NluExample(t, i.Intent, []))).ToList());

    static NluExample Annotated(string intent, string text, params (string Surface, string Entity, string? Value)[] entities)
    {
        var spans = entities.Select(e =>
        {
            int start = text.IndexOf(e.Surface, StringComparison.Ordinal);
            return new EntitySpan(start, start + e.Surface.Length, e.Entity, e.Value ?? e.Surface);
        }).ToList();
        return new NluExample(text, intent, spans);
    }

    /// <summary>Cities in English and products in Chinese, with a synonym ("NYC" → "New York").</summary>
    public static NluTrainingData WithEntities()
    {
        var examples = new List<NluExample>();
        string[] cities = ["paris", "london", "berlin", "tokyo", "madrid", "rome", "boston", "sydney"];
        string[] products = ["手机", "耳机", "电脑", "鞋子", "外套", "手表", "相机", "背包"];
        for (int i = 0; i < cities.Length; i++)
        {
            examples.Add(Annotated("book_flight", $"book a flight to {cities[i]}", (cities[i], "city", null)));
            examples.Add(Annotated("book_flight", $"i want to fly to {cities[i]} tomorrow", (cities[i], "city", null)));
            examples.Add(Annotated("weather", $"what is the weather in {cities[i]}", (cities[i], "city", null)));
            examples.Add(Annotated("buy", $"我想买{products[i]}", (products[i], "product", null)));
            examples.Add(Annotated("buy", $"这个{products[i]}多少钱", (products[i], "product", null)));
        }
        examples.Add(Annotated("book_flight", "book a flight to NYC", ("NYC", "city", "New York")));
        examples.Add(Annotated("weather", "what is the weather in NYC", ("NYC", "city", "New York")));
        examples.Add(Annotated("book_flight", "fly me to new york please", ("new york", "city", "New York")));
        return new NluTrainingData(examples, new Dictionary<string, string>(),
            [new RegexFeature("order_id", [@"DD\d{11}"])],
            [new LookupTable("city", ["paris", "london", "new york"])]);
    }

    public static NluConfig FastConfig(int seed = 1) => NluConfig.Default with { Seed = seed, CalibrationFolds = 3 };
}

/// <summary>A fact that skips with a message when ../shared/datasets is absent.</summary>
public sealed class DatasetFactAttribute : FactAttribute
{
    public DatasetFactAttribute(string relativePath)
    {
        if (!File.Exists(Path.Combine(RepoPaths.Shared, "datasets", relativePath)))
            Skip = $"../shared/datasets/{relativePath} is absent (expected beside the folder holding Kefu.slnx).";
    }
}
