namespace Kefu.Nlu.Extractors.Duckling;

/// <summary>
/// Kefu's own Duckling: every asked dimension over the whole message, Chinese and English alike (a Chinese message
/// says "3pm" or "$30" as often as an English one says ¥200), then Duckling's rule that the larger reading wins: a
/// match inside a longer one of another dimension is dropped (3 in "3天后", 13812345678 as a number beside the phone
/// number), so each piece of text is read once.
/// </summary>
public static class BuiltInDuckling
{
    /// <summary>The matches of <paramref name="dimensions"/> in <paramref name="text"/>, ordered by start.</summary>
    public static List<DucklingMatch> Parse(string text, IReadOnlyCollection<string> dimensions, DateTimeOffset referenceTime, TimeZoneInfo zone)
    {
        var now = TimeZoneInfo.ConvertTime(referenceTime, zone).DateTime;
        var all = new List<DucklingMatch>();
        foreach (string dimension in dimensions)
            all.AddRange(dimension switch
            {
                DucklingDimensions.Time => TimeParser.Find(text, now, zone),
                DucklingDimensions.Number => QuantityExtractors.Numbers(text),
                DucklingDimensions.AmountOfMoney => QuantityExtractors.Money(text),
                DucklingDimensions.Duration => QuantityExtractors.Durations(text),
                DucklingDimensions.Distance => QuantityExtractors.Distances(text),
                DucklingDimensions.PhoneNumber => ContactExtractors.Phones(text),
                DucklingDimensions.Email => ContactExtractors.Emails(text),
                DucklingDimensions.Url => ContactExtractors.Urls(text),
                DucklingDimensions.ChineseIdCard => ContactExtractors.IdCards(text, now.Date),
                DucklingDimensions.BankCard => ContactExtractors.BankCards(text),
                _ => [],
            });
        return Widest(all);
    }

    /// <summary>
    /// Drops a match that lies inside another, longer one, and a number that another dimension reads over the same
    /// span; keeps the first of exact duplicates. Partial overlaps stay, as Duckling keeps them.
    /// </summary>
    public static List<DucklingMatch> Widest(List<DucklingMatch> matches)
    {
        var kept = new List<DucklingMatch>(matches.Count);
        for (int i = 0; i < matches.Count; i++)
        {
            var m = matches[i];
            bool covered = false;
            for (int j = 0; j < matches.Count && !covered; j++)
            {
                if (i == j) continue;
                var o = matches[j];
                if (o.Start > m.Start || o.End < m.End) continue;
                covered = o.Length > m.Length
                    || m.Dimension == DucklingDimensions.Number && o.Dimension != DucklingDimensions.Number
                    || o.Dimension == m.Dimension && j < i;
            }
            if (!covered) kept.Add(m);
        }
        kept.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        return kept;
    }
}
