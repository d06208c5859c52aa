using Kefu.Generation.CrossWozNlg;
using Kefu.Nlu.Evaluation;

namespace Kefu.Tests.Generation;

/// <summary>ConvLab-2's CrossWOZ NLG conventions and scoring, and a small run of the benchmark.</summary>
public class CrossWozNlgTests
{
    private static readonly DialogAct Name = new("Inform", "景点", "名称", "香山公园");
    private static readonly DialogAct Near1 = new("Inform", "景点", "周边酒店", "北京香山饭店");
    private static readonly DialogAct Near2 = new("Inform", "景点", "周边酒店", "香山商旅酒店");

    [Fact]
    public void Intents_follow_convlab_for_facilities_select_free_tickets_and_none()
    {
        Assert.Equal("Inform+景点+名称", CrossWozDelex.Intent(Name));
        Assert.Equal("Inform+酒店+酒店设施+是", CrossWozDelex.Intent(new("Inform", "酒店", "酒店设施-叫醒服务", "是")));
        Assert.Equal("Request+酒店+酒店设施", CrossWozDelex.Intent(new("Request", "酒店", "酒店设施-叫醒服务", "")));
        Assert.Equal("Select+酒店+源领域+景点", CrossWozDelex.Intent(new("Select", "酒店", "源领域", "景点")));
        Assert.Equal("Inform+景点+门票+免费", CrossWozDelex.Intent(new("Inform", "景点", "门票", "免费")));
        Assert.Equal("Inform+餐馆+名称+无", CrossWozDelex.Intent(new("Inform", "餐馆", "名称", "无")));
    }

    [Fact]
    public void Delexicalisation_numbers_repeated_intents_and_relexicalisation_inverts_it()
    {
        DialogAct[] acts = [Name, Near1, Near2];
        string gold = "香山公园附近有北京香山饭店和香山商旅酒店。";
        string delex = CrossWozDelex.DelexicaliseGold(acts, gold);
        Assert.Equal("[Inform+景点+名称]附近有[Inform+景点+周边酒店1]和[Inform+景点+周边酒店2]。", delex);
        Assert.Equal(gold, CrossWozDelex.Relexicalise(delex, acts));
        Assert.Equal(" 不知道。", CrossWozDelex.Relexicalise("[Inform+餐馆+地址]不知道。", acts));
        Assert.Equal("XaXbX", CrossWozDelex.PyReplace("ab", "", "X"));
    }

    [Fact]
    public void Gold_replies_score_bleu_one_and_no_slot_errors_while_wrong_values_cost()
    {
        DialogAct[] acts = [Name, Near1, Near2];
        string gold = "香山公园附近有北京香山饭店和香山商旅酒店。";
        var perfect = new CrossWozNlgTurn(acts, gold, CrossWozDelex.DelexicaliseGold(acts, gold), gold);
        var other = new CrossWozNlgTurn([Name], "去香山公园吧。", "去[Inform+景点+名称]吧。", "去香山公园吧。");
        var (bleu, rouge) = CrossWozNlgBenchmark.Score([perfect, other]);
        Assert.Equal(1.0, bleu, 12);
        Assert.Equal(1.0, rouge, 12);
        Assert.Equal(0.0, CrossWozNlgBenchmark.SlotErrorRate([perfect, other]));

        var missing = perfect with { GeneratedDelexicalised = "[Inform+景点+名称]附近有酒店。", Generated = "香山公园附近有酒店。" };
        Assert.True(CrossWozNlgBenchmark.Score([missing, other]).Bleu < 0.9);
        // two of the four placeholders the acts call for are missing
        Assert.Equal(0.5, CrossWozNlgBenchmark.SlotErrorRate([missing, other]), 12);
    }

    [Fact]
    public void References_are_all_replies_with_the_same_act_intents()
    {
        var a = new CrossWozNlgTurn([Name], "去香山公园吧。", "", "推荐您去香山公园。");
        var b = new CrossWozNlgTurn([Name with { Value = "颐和园" }], "推荐您去颐和园。", "", "推荐您去颐和园。");
        // a's reply is b's gold with a's value: a perfect match once references are grouped by intents
        Assert.Equal(1.0, CrossWozNlgBenchmark.Score([a, b]).Bleu, 12);
    }

    [Fact]
    public void Symbol_codec_keeps_placeholders_whole_and_unknown_characters_unknown()
    {
        var codec = new SymbolCodec(["<Inform+景点+名称>"], ["推荐您去[Inform+景点+名称]。"]);
        int[] ids = codec.Encode("推荐您去[Inform+景点+名称]。");
        Assert.Equal(6, ids.Length);
        Assert.Equal("推荐您去[Inform+景点+名称]。", codec.Decode(ids));
        Assert.Equal(SymbolCodec.Unknown, codec.Encode("龘")[0]);
    }

    [Fact]
    public void A_small_run_trains_generates_and_scores()
    {
        string path = Path.Combine(RepoPaths.Shared, "datasets", "crosswoz", "dev.json");
        if (!File.Exists(path))
            return; // ../shared/datasets/crosswoz is absent here
        var dialogues = CrossWozReader.Load(path);
        var train = CrossWozReader.Turns(dialogues.Take(20), "sys");
        var test = CrossWozReader.Turns(dialogues.Skip(20).Take(5), "sys");
        var result = CrossWozNlgBenchmark.Run(train, test, new CrossWozNlgOptions(Layers: 1, Hidden: 32, Heads: 2, Epochs: 2, MaxNewTokens: 24));
        Assert.Equal(test.Count, result.Turns.Count);
        Assert.InRange(result.Bleu, 0, 1);
        Assert.InRange(result.RougeL, 0, 1);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss + 1e-3f);
        Assert.All(result.Turns, t => Assert.Equal(CrossWozDelex.Relexicalise(t.GeneratedDelexicalised, t.Acts), t.Generated));
        var beams = CrossWozNlgBenchmark.Run(train, test, new CrossWozNlgOptions(Layers: 1, Hidden: 32, Heads: 2, Epochs: 2, MaxNewTokens: 24, Beams: 4));
        Assert.Equal(test.Count, beams.Turns.Count);
        Assert.All(beams.Turns, t => Assert.Equal(CrossWozDelex.Relexicalise(t.GeneratedDelexicalised, t.Acts), t.Generated));
    }
}

/// <summary>suppress_tokens: suppressed ids are never chosen; the next best is.</summary>
public class SuppressTokensTests
{
    [CausalLmFixtureFact]
    public void Suppressed_tokens_are_never_generated()
    {
        var model = Kefu.Generation.CausalLm.CausalLanguageModel.Load(CausalLmFixture.PathOf("tiny-gpt2"));
        var generator = new Kefu.Generation.CausalLm.CausalLmGenerator(model);
        int[] prompt = [1356, 262, 1734];
        var logits = model.Logits(new Kefu.Numerics.Autograd.Graph(recordTape: false), prompt, null, 1, 3).Row(2).ToArray();
        int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
        logits[best] = float.NegativeInfinity;
        int second = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
        var options = new Kefu.Generation.CausalLm.GenerationOptions { MaxNewTokens = 8, StopTokenIds = [], SuppressTokenIds = [best] };
        var result = generator.Generate([prompt], options)[0];
        Assert.Equal(second, result.GeneratedIds[0]);
        Assert.DoesNotContain(best, result.GeneratedIds);
    }

    [Fact]
    public void Acts_license_their_placeholders_numbered_or_not()
    {
        DialogAct[] acts = [new("Inform", "景点", "名称", "故宫"), new("Inform", "景点", "周边酒店", "a"), new("Inform", "景点", "周边酒店", "b"), new("Request", "景点", "门票", "")];
        var licensed = CrossWozNlgBenchmark.LicensedPlaceholders(acts);
        Assert.Equal(["[Inform+景点+名称1]", "[Inform+景点+名称]", "[Inform+景点+周边酒店1]", "[Inform+景点+周边酒店2]", "[Inform+景点+周边酒店]"], licensed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Beams_are_reranked_by_slot_errors_and_the_better_scored_wins_ties()
    {
        DialogAct[] acts = [new("Inform", "景点", "名称", "故宫"), new("Inform", "景点", "门票", "60元")];
        string both = "[Inform+景点+名称]的门票是[Inform+景点+门票]。", one = "[Inform+景点+名称]很好玩。", extra = "[Inform+景点+名称]的门票是[Inform+景点+门票]，电话[Inform+景点+电话]。";
        Assert.Equal(both, CrossWozNlgBenchmark.FewestSlotErrors(acts, [one, extra, both]));
        Assert.Equal(one, CrossWozNlgBenchmark.FewestSlotErrors(acts, ["好的。", one]));        // one error against two
        Assert.Equal("好的", CrossWozNlgBenchmark.FewestSlotErrors([], ["好的", "[Inform+景点+名称]"]));
        Assert.Equal("好的", CrossWozNlgBenchmark.FewestSlotErrors([], ["好的", "也好"]));       // a tie: the first, best scored
    }
}

/// <summary>Minimum-Bayes-risk choice among decoded candidates.</summary>
public class MinimumBayesRiskTests
{
    [Fact]
    public void The_consensus_candidate_wins_and_the_first_wins_ties()
    {
        int[] odd = [9, 9, 9], common = [1, 2, 3, 4], close = [1, 2, 3, 5];
        Assert.Equal(common, CrossWozNlgBenchmark.MinimumBayesRisk([odd, common, close, [1, 2, 3, 4]]));
        Assert.Equal(odd, CrossWozNlgBenchmark.MinimumBayesRisk([odd]));
        Assert.Equal([1], CrossWozNlgBenchmark.MinimumBayesRisk([[1], [2]]));
    }
}
