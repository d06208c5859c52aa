// Knowledge latency, one thread, after a warm-up. Prints one JSON line per measurement.
//   bm25 zh|en [--passages 100000] [--queries 1000]: KnowledgeBase.Search(q, 10) (query analysis included) over passages of
//     three sentences drawn with a fixed seed from real text: CrossWOZ's dialogues and database (zh); BANKING77, CLINC150
//     and HWU64 training sentences (en). Queries: CrossWOZ dev user turns (zh), BANKING77 test (en).
//   graph [--queries 1000] [--postgres CONNECTION]: CrossWOZ's database imported into a fresh SQLite graph (or, with
//     --postgres, a PostgresGraphStore graph of its own in that database, removed afterwards), then typed queries
//     (IGraphStore.Query: filters with ranges, one hop, two hops) and whole questions (GraphAnswerer.Answer: linking,
//     reading, querying).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kefu.Knowledge;
using Kefu.Knowledge.Graph;

string which = args.Length > 0 ? args[0] : "bm25";
string Arg(int i, string fallback) => args.Length > i && !args[i].StartsWith("--") ? args[i] : fallback;
int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
string datasets = Environment.GetEnvironmentVariable("KEFU_DATASETS") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../../shared/datasets"));
int queryCount = Option("--queries", 1000);
string? postgres = Array.IndexOf(args, "--postgres") is var pgAt and >= 0 && pgAt + 1 < args.Length ? args[pgAt + 1] : null;

if (which == "bm25") Bm25(Arg(1, "zh"), Option("--passages", 100_000));
else if (which == "graph") GraphBench();
else throw new ArgumentException("bm25 zh|en or graph");

void Bm25(string language, int passageCount)
{
    var (sentences, queries) = language == "zh" ? Chinese() : English();
    var random = new Random(7);
    var passages = new List<Passage>(passageCount);
    for (int i = 0; i < passageCount; i++)
    {
        var text = string.Join(language == "zh" ? "" : " ", Enumerable.Range(0, 3).Select(_ => sentences[random.Next(sentences.Count)]));
        passages.Add(new Passage($"bench#{i}", "bench", i + 1, "", text, []));
    }
    var kb = new KnowledgeBase();
    var clock = Stopwatch.StartNew();
    kb.AddPassages("bench", passages);
    double indexSeconds = clock.Elapsed.TotalSeconds;
    var qs = queries.Take(queryCount).ToList();
    foreach (var q in qs.Take(50)) kb.Search(q, 10);
    var times = Measure(qs, q => kb.Search(q, 10));
    var analysis = Measure(qs, q => KbTerms.Terms(q));   // the part of a search that is the query's own analysis
    Print(new { bench = "bm25", language, passages = passageCount, units = kb.UnitCount, index_seconds = Math.Round(indexSeconds, 1), queries = qs.Count,
        p50_ms = P(times, 0.5), p99_ms = P(times, 0.99), analysis_p50_ms = P(analysis, 0.5) });
}

void GraphBench()
{
    var file = Path.Combine(Path.GetTempPath(), $"kefu-graph-bench-{Environment.ProcessId}.db");
    var graphName = $"kefu-graph-bench-{Environment.ProcessId}";
    string storeKind = postgres is null ? "sqlite" : "postgresql";
    try
    {
        using var opened = postgres is null ? (IDisposable)new SqliteGraphStore(file) : new Kefu.Server.Knowledge.PostgresGraphStore(postgres, graphName);
        var store = (IGraphStore)opened;
        var clock = Stopwatch.StartNew();
        var report = CrossWozImporter.Import(Path.Combine(datasets, "crosswoz", "database"), store);
        double importSeconds = clock.Elapsed.TotalSeconds;
        var names = store.Names();
        var places = names.Where(n => n.Type is "景点" or "餐馆" or "酒店").ToList();
        var random = new Random(11);
        string[] types = ["景点", "餐馆", "酒店"];
        var price = new Dictionary<string, string> { ["景点"] = "门票", ["餐馆"] = "人均消费", ["酒店"] = "价格" };
        EntityQuery Filter()
        {
            var type = types[random.Next(3)];
            return new EntityQuery(type)
            {
                Filters = [AttributeFilter.AtLeast("评分", 4 + random.Next(8) / 10.0), AttributeFilter.AtMost(price[type], 50 + random.Next(20) * 25)],
                OrderBy = "评分", Descending = true, Limit = 5,
            };
        }
        EntityQuery OneHop()
        {
            var type = types[random.Next(3)];
            return new EntityQuery(type) { From = places[random.Next(places.Count)].Id, Hops = [new Hop("周边", type)], Filters = [AttributeFilter.AtLeast("评分", 4)], OrderBy = "评分", Descending = true, Limit = 5 };
        }
        EntityQuery TwoHops() => new("餐馆") { From = places[random.Next(places.Count)].Id, Hops = [new Hop("周边", "酒店"), new Hop("周边", "餐馆")], OrderBy = "评分", Descending = true, Limit = 5 };
        var sets = new (string Kind, List<EntityQuery> Queries)[]
        {
            ("filter", [.. Enumerable.Range(0, queryCount).Select(_ => Filter())]),
            ("one_hop", [.. Enumerable.Range(0, queryCount).Select(_ => OneHop())]),
            ("two_hops", [.. Enumerable.Range(0, queryCount).Select(_ => TwoHops())]),
        };
        var all = new List<double>();
        foreach (var (kind, queries) in sets)
        {
            foreach (var q in queries.Take(50)) store.Query(q);
            var times = Measure(queries, q => store.Query(q));
            all.AddRange(times);
            Print(new { bench = "graph_query", store = storeKind, kind, entities = report.Entities, relations = report.Relations, queries = queries.Count, p50_ms = P(times, 0.5), p99_ms = P(times, 0.99) });
        }
        all.Sort();
        Print(new { bench = "graph_query", store = storeKind, kind = "all", import_seconds = Math.Round(importSeconds, 1), queries = all.Count, p50_ms = P(all, 0.5), p99_ms = P(all, 0.99) });

        var answerer = new GraphAnswerer(store, EntityLinker.From(store));
        string[] templates = ["{0}的电话是多少", "{0}附近有什么餐馆", "{0}的评分怎么样", "{0}周边评分4.5以上的酒店", "{0}的地址"];
        var questions = Enumerable.Range(0, queryCount).Select(_ => string.Format(CultureInfo.InvariantCulture, templates[random.Next(templates.Length)], places[random.Next(places.Count)].Name)).ToList();
        foreach (var q in questions.Take(50)) answerer.Answer(q);
        var answerTimes = Measure(questions, q => answerer.Answer(q));
        int answered = questions.Count(q => answerer.Answer(q).Answered);
        Print(new { bench = "graph_question", store = storeKind, queries = questions.Count, answered, p50_ms = P(answerTimes, 0.5), p99_ms = P(answerTimes, 0.99) });
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        if (postgres is not null)
        {
            using var c = new Npgsql.NpgsqlConnection(postgres);
            c.Open();
            foreach (var table in new[] { "kefu_graph_entity", "kefu_graph_attr", "kefu_graph_item", "kefu_graph_relation" })
                using (var delete = new Npgsql.NpgsqlCommand($"DELETE FROM {table} WHERE graph = $1", c) { Parameters = { new() { Value = graphName } } })
                    delete.ExecuteNonQuery();
        }
    }
}

(List<string>, List<string>) Chinese()
{
    using var dev = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(datasets, "crosswoz", "dev.json")));
    var turns = dev.RootElement.EnumerateObject().SelectMany(d => d.Value.GetProperty("messages").EnumerateArray())
        .Select(m => (Role: m.GetProperty("role").GetString(), Text: m.GetProperty("content").GetString() ?? "")).ToList();
    var sentences = turns.Select(t => t.Text).Where(t => t.Length > 0).ToList();
    foreach (var file in new[] { "attraction_db.json", "restaurant_db.json", "hotel_db.json" })
    {
        using var db = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(datasets, "crosswoz", "database", file)));
        foreach (var row in db.RootElement.EnumerateArray())
            sentences.Add(string.Join("，", row[1].EnumerateObject().Where(f => f.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number).Select(f => $"{f.Name}{f.Value}")) + "。");
    }
    return (sentences, turns.Where(t => t.Role == "usr").Select(t => t.Text).ToList());
}

(List<string>, List<string>) English()
{
    // text,category rows; the category never holds a comma, so the text is all before the last one
    static IEnumerable<string> CsvTexts(string path) => File.ReadLines(path).Skip(1).Where(l => l.LastIndexOf(',') > 0).Select(l => l[..l.LastIndexOf(',')].Trim('"'));
    var sentences = CsvTexts(Path.Combine(datasets, "banking77", "train.csv")).Concat(CsvTexts(Path.Combine(datasets, "clinc150", "train.csv")))
        .Concat(File.ReadLines(Path.Combine(datasets, "hwu64", "train.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)).ToList();
    return (sentences, CsvTexts(Path.Combine(datasets, "banking77", "test.csv")).ToList());
}

List<double> Measure<T>(IReadOnlyList<T> items, Action<T> run)
{
    var times = new List<double>(items.Count);
    foreach (var item in items)
    {
        long start = Stopwatch.GetTimestamp();
        run(item);
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    times.Sort();
    return times;
}

static double P(List<double> sorted, double p) => sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))], 3);

static void Print(object o) => Console.WriteLine(JsonSerializer.Serialize(o, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
