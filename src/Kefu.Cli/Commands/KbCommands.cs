using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kefu.Knowledge;
using Kefu.Knowledge.Graph;

namespace Kefu.Cli.Commands;

/// <summary>
/// `kefu kb import | query | eval`: the knowledge base and graph of a project's knowledge.yml (docs/knowledge.md).
/// </summary>
internal static class KbCommands
{
    public static Command Create()
    {
        var kb = new Command("kb", "Knowledge base (FAQ, documents) and knowledge graph");
        kb.Subcommands.Add(Import());
        kb.Subcommands.Add(Query());
        kb.Subcommands.Add(Eval());
        return kb;
    }

    static readonly JsonSerializerOptions json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    static Command Import()
    {
        var project = CommonOptions.Project();
        var crosswoz = new Option<string?>("--crosswoz") { Description = "CrossWOZ's database folder to import into --graph (without a project)" };
        var graph = new Option<string?>("--graph") { Description = "The SQLite graph file --crosswoz imports into" };
        var command = new Command("import", "Index the project's knowledge.yml files (only the changed ones) and import its graph; or --crosswoz DIR --graph FILE");
        foreach (var o in new Option[] { project, crosswoz, graph }) command.Options.Add(o);
        command.SetAction(parse => Guard(() =>
        {
            if (parse.GetValue(crosswoz) is { } folder)
            {
                var file = parse.GetValue(graph) ?? throw new ArgumentException("--crosswoz needs --graph FILE");
                using var store = new SqliteGraphStore(file);
                Console.WriteLine($"{file}: {CrossWozImporter.Import(folder, store)}");
                return 0;
            }
            using var service = Open(parse.GetValue(project)!);
            var passages = service.Kb.Passages.ToList();
            Console.WriteLine($"index: {service.Kb.Sources.Count} file(s), {passages.Count(p => p.IsFaq)} FAQ entries, {passages.Count(p => !p.IsFaq)} passages, " +
                $"{service.Kb.UnitCount} units; re-indexed now: {(service.Reindexed.Count == 0 ? "none (up to date)" : string.Join(", ", service.Reindexed))}");
            if (service.Graph is { } g)
                Console.WriteLine($"graph: {string.Join(", ", g.Types().Select(t => $"{t.Key} {t.Value}"))}");
            return 0;
        }));
        return command;
    }

    static Command Query()
    {
        var project = CommonOptions.Project();
        var text = new Argument<string>("text") { Description = "A question (searched, or with --ask answered from the graph) or, with --graph, a graph query" };
        var k = new Option<int>("--k") { Description = "How many passages or entities", DefaultValueFactory = _ => 5 };
        var graph = new Option<bool>("--graph") { Description = "TEXT is a graph query: 餐馆 评分>=4.5 人均消费<=100 from:景点:故宫 via:周边 order:-评分" };
        var ask = new Option<bool>("--ask") { Description = "TEXT is a question answered from the graph, as action_kb_query answers it" };
        var asJson = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("query", "Search the knowledge base, query the graph, or ask the graph a question");
        command.Arguments.Add(text);
        foreach (var o in new Option[] { project, k, graph, ask, asJson }) command.Options.Add(o);
        command.SetAction(parse => Guard(() =>
        {
            if (parse.GetValue(k) is < 1 or > Kefu.Server.Routes.KnowledgeRoutes.MaxK)
                throw new ArgumentException($"--k must be from 1 to {Kefu.Server.Routes.KnowledgeRoutes.MaxK}, got {parse.GetValue(k)}");
            using var service = Open(parse.GetValue(project)!);
            var q = parse.GetValue(text)!;
            if (parse.GetValue(graph) || parse.GetValue(ask))
            {
                var store = service.Graph ?? throw new ArgumentException("the project's knowledge.yml has no graph (graph: or crosswoz:)");
                if (parse.GetValue(ask))
                {
                    var answer = service.Answerer!.Answer(q);
                    Console.WriteLine(parse.GetValue(asJson) ? JsonSerializer.Serialize(new { answer.Text, answer.Subject, answer.Attribute }, json) : answer.Text);
                    return answer.Answered ? 0 : 2;
                }
                var query = GraphQueryText.Parse(q) with { Limit = parse.GetValue(k) };
                var found = store.Query(query);
                if (parse.GetValue(asJson)) Console.WriteLine(JsonSerializer.Serialize(found.Select(EntityJson), json));
                else foreach (var e in found) Console.WriteLine($"{e.Id}  {string.Join("  ", e.Attributes.Where(a => a.Value.Items is null).Select(a => $"{a.Key}={a.Value}"))}");
                return 0;
            }
            var hits = service.Kb.Search(q, parse.GetValue(k));
            if (parse.GetValue(asJson)) { Console.WriteLine(JsonSerializer.Serialize(hits, json)); return 0; }
            Console.WriteLine($"{"score",7} {"conf",5}  id");
            foreach (var h in hits)
            {
                Console.WriteLine($"{h.Score,7:F3} {h.Confidence,5:F2}  {h.Id}  {h.MatchedQuestion ?? h.Title}");
                Console.WriteLine($"               {Shorten(h.Text, 70)}");
            }
            if (hits.Count == 0 || hits[0].Confidence < service.Kb.Threshold)
                Console.WriteLine($"(below the threshold {service.Kb.Threshold.ToString(CultureInfo.InvariantCulture)}: a bot would offer these as \"did you mean\")");
            return 0;
        }));
        return command;
    }

    static Command Eval()
    {
        var faq = new Option<string>("--faq") { Description = "The FAQ file indexed (.yml .csv .json)", Required = true };
        var heldOut = new Option<string>("--heldout") { Description = "CSV question,id of paraphrases that are not in the FAQ", Required = true };
        var encoder = new Option<string?>("--encoder") { Description = "A sentence encoder folder (all-MiniLM-L6-v2): hybrid ranking" };
        var fusion = new Option<string>("--fusion") { Description = "rrf or mix (with --encoder)", DefaultValueFactory = _ => "mix" };
        fusion.AcceptOnlyFromAmong("rrf", "mix");
        var weight = new Option<float>("--mix-weight") { Description = "Weight of the cosine in mix", DefaultValueFactory = _ => 0.5f };
        var classifierWeight = new Option<float?>("--classifier-weight")
            { Description = $"Weight of the FAQ classifier's probability (default {KnowledgeBase.DefaultClassifierWeight} without --encoder, 0 with it)" };
        var asJson = new Option<bool>("--json") { Description = "Print the figures as one line of JSON" };
        var command = new Command("eval", "FAQ retrieval on held-out paraphrases: top-1, top-3, MRR, latency, and the misses");
        foreach (var o in new Option[] { faq, heldOut, encoder, fusion, weight, classifierWeight, asJson }) command.Options.Add(o);
        command.SetAction(parse => Guard(() =>
        {
            var enc = parse.GetValue(encoder) is { } folder ? SentenceTextEncoder.Load(folder) : null;
            var kb = new KnowledgeBase(enc, Enum.Parse<Fusion>(parse.GetValue(fusion)!, true), parse.GetValue(weight),
                classifierWeight: parse.GetValue(classifierWeight));
            var path = parse.GetValue(faq)!;
            kb.AddFile(path, Path.GetFileName(path), isFaq: true);
            var questions = KbEvaluation.ReadHeldOut(parse.GetValue(heldOut)!);
            kb.Search(questions[0].Text, 3); // warm-up: JIT and Jieba's dictionary
            var r = KbEvaluation.Run(kb, questions);
            if (parse.GetValue(asJson))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    top1 = Math.Round(r.Top1, 4), top3 = Math.Round(r.Top3, 4), mrr = Math.Round(r.Mrr, 4), n_test = r.Total,
                    n_entries = kb.Passages.Count(), latency_p50_ms = Math.Round(r.LatencyP50Ms, 3), latency_p99_ms = Math.Round(r.LatencyP99Ms, 3),
                    ranking = enc is null ? "bm25" : $"hybrid-{parse.GetValue(fusion)}", classifier_weight = kb.ClassifierWeight,
                }, json));
                return 0;
            }
            Console.WriteLine($"ranking   {(enc is null ? "BM25" : "BM25 + " + enc.Id + ", " + parse.GetValue(fusion))}" +
                (kb.ClassifierWeight > 0 ? $", FAQ classifier weight {kb.ClassifierWeight.ToString(CultureInfo.InvariantCulture)}" : ""));
            Console.WriteLine($"entries   {kb.Passages.Count()}   held-out questions {r.Total}");
            Console.WriteLine($"top-1     {r.Top1:F3}");
            Console.WriteLine($"top-3     {r.Top3:F3}");
            Console.WriteLine($"MRR@10    {r.Mrr:F3}");
            Console.WriteLine($"latency   p50 {r.LatencyP50Ms:F2} ms, p99 {r.LatencyP99Ms:F2} ms");
            foreach (var (question, expected, got) in r.Misses) Console.WriteLine($"miss      {question}  expected {expected}, got {got ?? "(nothing)"}");
            return 0;
        }));
        return command;
    }

    static KnowledgeService Open(string project) =>
        Kefu.Server.Knowledge.ProjectKnowledge.Open(project, Console.Error) ?? throw new ArgumentException($"{Path.Combine(project, KnowledgeConfig.FileName)} is missing (docs/knowledge.md)");

    static object EntityJson(GraphEntity e) => new
    {
        e.Id, e.Type, e.Name,
        Attributes = e.Attributes.ToDictionary(a => a.Key, a => a.Value.Items is { } items ? (object)items : a.Value.Number is { } n ? n : a.Value.Text!),
    };

    static string Shorten(string s, int n) => (s.Length <= n ? s : s[..n] + "…").ReplaceLineEndings(" ");

    static int Guard(Func<int> run)
    {
        try { return CliErrors.Guard(run); }
        catch (Exception e) when (e is KnowledgeFormatException or GraphQueryException or ArgumentException or FileNotFoundException or DirectoryNotFoundException
            or Kefu.Server.Knowledge.GraphStoreException)
        {
            Console.Error.WriteLine(e is KnowledgeFormatException ? e.Message : $"kefu: {e.Message}");
            return 1;
        }
    }
}
