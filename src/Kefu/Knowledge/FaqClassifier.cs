using Kefu.Nlu;

namespace Kefu.Knowledge;

/// <summary>
/// Kefu's linear intent model (character and word n-grams, SVMs, calibrated probabilities) trained with each FAQ entry as
/// an intent: its phrasings and its answer are the examples. BM25 weighs a word by its rarity in the whole collection; the
/// classifier learns which words tell one entry from the others, which is what a paraphrase that shares few words with
/// the phrasings needs. Trained on every rebuild of the index (a server's start included), in time that grows with
/// entries × examples: 1.9 s for 500 entries of 4 texts, 17 s for 2,000 on the 2-core VM; so an FAQ of more than
/// <see cref="MaxEntries"/> entries ranks without it.
/// </summary>
public sealed class FaqClassifier
{
    readonly NluModel model;
    readonly Dictionary<string, Passage> entries;

    FaqClassifier(NluModel model, Dictionary<string, Passage> entries) => (this.model, this.entries) = (model, entries);

    public const int MaxEntries = 1000;

    /// <summary>Null with fewer than two FAQ entries (there is nothing to tell apart) or more than <see cref="MaxEntries"/>.</summary>
    public static FaqClassifier? Train(IEnumerable<Passage> passages)
    {
        var faq = passages.Where(p => p.IsFaq).GroupBy(p => p.Id, StringComparer.Ordinal).Select(g => g.First()).ToDictionary(p => p.Id, StringComparer.Ordinal);
        if (faq.Count is < 2 or > MaxEntries) return null;
        var examples = faq.Values.SelectMany(p => p.Questions.Append(p.Text).Where(t => !string.IsNullOrWhiteSpace(t))
            .Select(t => new NluExample(t, p.Id, []))).ToList();
        return new FaqClassifier(NluTrainer.Train(NluTrainingData.FromExamples(examples), NluConfig.Default), faq);
    }

    /// <summary>The <paramref name="k"/> most probable entries for a query, with their probability and rank.</summary>
    public Dictionary<Passage, (float Probability, int Rank)> Rank(string query, int k)
    {
        var labels = model.Intents.Labels;
        var probabilities = new float[labels.Count];
        model.Intents.Probabilities(query, null, probabilities);
        return Enumerable.Range(0, labels.Count).OrderByDescending(i => probabilities[i]).Take(k)
            .Select((i, rank) => (Entry: entries[labels[i]], probabilities[i], rank))
            .ToDictionary(e => e.Entry, e => (e.Item2, e.rank));
    }
}
