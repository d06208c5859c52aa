using Kefu.Knowledge;

namespace Kefu.Tests.Knowledge;

/// <summary>The FAQ classifier's share of the ranking (<see cref="KnowledgeBase.ClassifierWeight"/>).</summary>
public class FaqClassifierTests
{
    static readonly Passage[] Faq =
    [
        new("faq.yml#book_hotel", "faq.yml", 1, "怎么预订酒店", "在App的“酒店”页选择入住日期和房型，填写入住人信息并支付后即预订成功。", ["怎么预订酒店", "酒店怎么订", "在哪里订酒店", "我想订个房间"]),
        new("faq.yml#cancel_hotel", "faq.yml", 2, "酒店订单能取消吗", "入住前一天18:00前可免费取消，在“我的订单”里点“取消订单”即可。", ["酒店订单能取消吗", "怎么取消酒店预订", "订的酒店不想住了", "取消订单"]),
        new("faq.yml#pets", "faq.yml", 3, "可以带宠物吗", "大部分酒店和景区不允许携带宠物，请在酒店详情页查看“宠物政策”。", ["可以带宠物吗", "宠物能入住吗", "狗能带进去吗"]),
        new("faq.yml#checkin_time", "faq.yml", 4, "几点可以入住", "酒店一般14:00后办理入住，12:00前退房。", ["几点可以入住", "退房时间是几点", "最晚几点退房", "能提前入住吗"]),
        new("guide.md#1", "guide.md", 1, "入住须知", "办理入住时请出示身份证。", []),
    ];

    static KnowledgeBase Index(float? classifierWeight)
    {
        var kb = new KnowledgeBase(classifierWeight: classifierWeight);
        kb.AddPassages("faq.yml", Faq);
        return kb;
    }

    [Fact]
    public void Without_an_encoder_the_classifier_reorders_faq_entries_but_leaves_their_confidence_to_retrieval()
    {
        var bm25 = Index(0f).Search("预订的酒店可以退掉吗", 5);
        var mixed = Index(null).Search("预订的酒店可以退掉吗", 5);

        Assert.Equal(KnowledgeBase.DefaultClassifierWeight, Index(null).ClassifierWeight);
        Assert.Equal("faq.yml#book_hotel", bm25[0].Id);         // 预订 and 酒店 outweigh the rest for BM25
        Assert.Equal("faq.yml#cancel_hotel", mixed[0].Id);      // the classifier weighs what tells the entries apart
        // the same passages, each with the confidence retrieval gave it: thresholds mean what they meant
        Assert.Equal(bm25.Select(h => (h.Id, h.Confidence)).Order(), mixed.Select(h => (h.Id, h.Confidence)).Order());
    }

    [Fact]
    public void With_an_encoder_the_default_is_no_classifier_and_a_weight_is_read_from_knowledge_yml()
    {
        Assert.Equal(0f, new KnowledgeBase(new FixedEncoder()).ClassifierWeight);
        using var temp = new Kefu.Tests.Projects.TempProject([]);
        temp.Write("knowledge.yml", "faq: [faq.yml]\nclassifier_weight: 0.25\n");
        Assert.Equal(0.25f, KnowledgeConfig.Read(temp.PathOf("knowledge.yml")).ClassifierWeight);
        temp.Write("knowledge.yml", "faq: [faq.yml]\nclassifier_weight: 1.5\n");
        Assert.EndsWith("knowledge.yml:2: error: 'classifier_weight' is a weight from 0 to 1",
            Assert.Throws<KnowledgeFormatException>(() => KnowledgeConfig.Read(temp.PathOf("knowledge.yml"))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KnowledgeBase(classifierWeight: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KnowledgeBase(mixWeight: 1.2f));
    }

    sealed class FixedEncoder : ITextEncoder
    {
        public string Id => "fixed";
        public float[][] Embed(IReadOnlyList<string> texts) => [.. texts.Select(_ => new[] { 1f })];
    }
}
