using Kefu.Knowledge;

namespace Kefu.Tests.Knowledge;

/// <summary>The knowledge index beside the model: persisted, reloaded without analysis, updated file by file, rebuilt when damaged.</summary>
public class KnowledgeIndexFileTests
{
    static TempFolder Project() => new(
        ("knowledge.yml", "faq: [faq.yml]\ndocuments: [docs]\nindex: models/knowledge.index\n"),
        ("faq.yml", "faq:\n  - id: refund\n    questions: [退款多久到账, 钱什么时候退回来]\n    answer: 1-7个工作日退回原支付方式。\n" +
                    "  - id: invoice\n    questions: [能开发票吗]\n    answer: 订单完成后在我的订单里申请发票。\n"),
        ("docs/delivery.md", "# 配送\n\n## 运费\n\n满99元包邮，不满收10元运费。\n\n## 时效\n\n北京上海次日达，其他地区三天内送达。\n"));

    static List<string> Ids(KnowledgeBase kb, string query) => kb.Search(query, 3).Select(h => h.Id).ToList();

    [Fact]
    public void A_second_open_loads_the_index_without_analyzing_any_file_and_answers_the_same()
    {
        using var dir = Project();
        List<string> first;
        using (var s = KnowledgeService.Open(dir.Path)!)
        {
            Assert.Equal(["faq.yml", "docs/delivery.md"], s.Reindexed.Order().Reverse());
            first = Ids(s.Kb, "运费怎么算");
            Assert.Equal("docs/delivery.md#1", first[0]);
        }
        Assert.True(File.Exists(dir.File("models/knowledge.index")));
        using var again = KnowledgeService.Open(dir.Path)!;
        Assert.Empty(again.Reindexed);
        Assert.Equal(first, Ids(again.Kb, "运费怎么算"));
        Assert.Equal("faq.yml#refund", Ids(again.Kb, "退款几天能到")[0]);
    }

    [Fact]
    public void A_changed_file_is_reindexed_alone_and_a_removed_one_leaves_the_index()
    {
        using var dir = Project();
        KnowledgeService.Open(dir.Path)!.Dispose();
        dir.Write("faq.yml", "faq:\n  - id: pets\n    questions: [可以带宠物吗]\n    answer: 小型犬可以随行。\n");
        using (var s = KnowledgeService.Open(dir.Path)!)
        {
            Assert.Equal(["faq.yml"], s.Reindexed);
            Assert.Equal("faq.yml#pets", Ids(s.Kb, "能带狗吗")[0]);
            Assert.DoesNotContain(s.Kb.Passages, p => p.Id == "faq.yml#refund");
        }
        dir.Write("knowledge.yml", "faq: [faq.yml]\nindex: models/knowledge.index\n");
        using var without = KnowledgeService.Open(dir.Path)!;
        Assert.Empty(without.Reindexed);
        Assert.DoesNotContain(without.Kb.Passages, p => p.Source == "docs/delivery.md");
        var reloaded = new KnowledgeBase();
        KnowledgeIndexFile.Load(reloaded, dir.File("models/knowledge.index"));
        Assert.Equal(["faq.yml"], reloaded.Sources.Select(s => s.Source));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("flipped")]
    public void A_damaged_index_is_an_error_naming_the_file_and_the_service_rebuilds_it(string damage)
    {
        using var dir = Project();
        KnowledgeService.Open(dir.Path)!.Dispose();
        var path = dir.File("models/knowledge.index");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage switch
        {
            "truncated" => bytes[..(bytes.Length / 2)],
            "garbage" => [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 37))],
            // The first source's passage count: magic 7 + version 4 + encoder 1 + sources 4 + "docs/delivery.md" 17 + hash 65 bytes in.
            _ => [.. bytes[..98], 0xff, 0xff, 0xff, 0xff, .. bytes[102..]],
        });
        var e = Assert.Throws<InvalidDataException>(() => KnowledgeIndexFile.Load(new KnowledgeBase(), path));
        Assert.Contains(path, e.Message);
        Assert.Contains("delete it to rebuild", e.Message);

        var log = new StringWriter();
        using var s = KnowledgeService.Open(dir.Path, log)!;
        Assert.Contains("rebuilding it", log.ToString());
        Assert.Equal(2, s.Reindexed.Count);
        Assert.Equal("faq.yml#refund", Ids(s.Kb, "退款多久到账")[0]);
        using var after = KnowledgeService.Open(dir.Path)!;
        Assert.Empty(after.Reindexed);
    }

    [Fact]
    public void Knowledge_yml_sets_the_grounded_answer_budget_and_rejects_bad_values_at_their_line()
    {
        using var dir = new TempFolder(("knowledge.yml", "faq: []\ncontext_passages: 2\ncontext_budget: 900\ncontext_min_confidence: 0.2\n"));
        var config = KnowledgeConfig.Read(dir.File("knowledge.yml"));
        Assert.Equal(new GroundedAnswerOptions(2, 0.2f, 900), config.Grounded);
        dir.Write("bad.yml", "faq: []\ncontext_budget: -5\n");
        var e = Assert.Throws<KnowledgeFormatException>(() => KnowledgeConfig.Read(dir.File("bad.yml")));
        Assert.EndsWith("bad.yml:2: error: 'context_budget' wants a positive whole number", e.Message);
    }
}
