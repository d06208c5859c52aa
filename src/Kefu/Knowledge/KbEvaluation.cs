using System.Diagnostics;

namespace Kefu.Knowledge;

/// <summary>One held-out paraphrase: its text and the FAQ entry id that answers it.</summary>
public sealed record HeldOutQuestion(string Text, string Id);

/// <summary>FAQ retrieval on held-out paraphrases: hit rates at 1 and 3, MRR@10, latency, and the misses at 1.</summary>
public sealed record KbEvalResult(int Total, double Top1, double Top3, double Mrr, double LatencyP50Ms, double LatencyP99Ms,
    IReadOnlyList<(string Question, string Expected, string? Got)> Misses);

public static class KbEvaluation
{
    /// <summary>A CSV with header question,id (several ids separated by '|' when more than one entry answers).</summary>
    public static List<HeldOutQuestion> ReadHeldOut(string path)
    {
        var rows = Csv.Parse(DocumentReader.ReadText(path, path), path);
        if (rows.Count == 0 || rows[0].Cells.Select(c => c.Trim()).ToList() is var header && (!header.Contains("question") || !header.Contains("id")))
            throw new KnowledgeFormatException(path, 1, "the held-out file's header is question,id");
        int q = header.IndexOf("question"), id = header.IndexOf("id");
        return rows.Skip(1).Where(r => r.Cells.Count > Math.Max(q, id))
            .Select(r => new HeldOutQuestion(r.Cells[q].Trim(), r.Cells[id].Trim())).ToList();
    }

    public static KbEvalResult Run(KnowledgeBase kb, IReadOnlyList<HeldOutQuestion> questions)
    {
        int top1 = 0, top3 = 0;
        double mrr = 0;
        var latencies = new List<double>();
        var misses = new List<(string, string, string?)>();
        foreach (var q in questions)
        {
            var expected = q.Id.Split('|', StringSplitOptions.TrimEntries);
            var start = Stopwatch.GetTimestamp();
            var hits = kb.Search(q.Text, 10);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            int rank = hits.ToList().FindIndex(h => expected.Any(e => h.Id.EndsWith("#" + e, StringComparison.Ordinal)));
            if (rank == 0) top1++;
            else misses.Add((q.Text, q.Id, hits.Count > 0 ? hits[0].Id[(hits[0].Id.IndexOf('#') + 1)..] : null));
            if (rank is >= 0 and < 3) top3++;
            if (rank >= 0) mrr += 1.0 / (rank + 1);
        }
        latencies.Sort();
        double P(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        int n = Math.Max(1, questions.Count);
        return new KbEvalResult(questions.Count, (double)top1 / n, (double)top3 / n, mrr / n, P(0.5), P(0.99), misses);
    }
}
