using Kefu.Nlu.Entities;

namespace Kefu.Nlu.Pretrained;

/// <summary>How entity spans become one tag per word: BIO (begin, inside) or BILOU (begin, inside, last, unit).</summary>
public enum TagScheme
{
    Bio,
    Bilou,
}

/// <summary>
/// The token head's tags: "O", then per entity type "B-type", "I-type" (BIO) or "B-", "I-", "L-", "U-" (BILOU). Entity
/// types are <see cref="EntityExtractor.TypeKey"/>s, so roles and groups are tagged as types of their own (as DIET does).
/// A word is tagged at its first word piece; the other pieces are not scored.
/// </summary>
public sealed class EntityTagSet
{
    public EntityTagSet(IReadOnlyList<string> entityTypes, TagScheme scheme, bool crf)
    {
        if (entityTypes.Count == 0)
            throw new ArgumentException("An entity tag set needs at least one entity type.", nameof(entityTypes));
        EntityTypes = entityTypes;
        Scheme = scheme;
        Crf = crf;
        string[] parts = scheme == TagScheme.Bio ? ["B", "I"] : ["B", "I", "L", "U"];
        Names = ["O", .. entityTypes.SelectMany(type => parts.Select(part => $"{part}-{type}"))];
    }

    public IReadOnlyList<string> EntityTypes { get; }
    public TagScheme Scheme { get; }
    /// <summary>Whether a linear-chain CRF scores the tag sequence (else each word's tag is a softmax of its own).</summary>
    public bool Crf { get; }
    public IReadOnlyList<string> Names { get; }
    public int Count => Names.Count;

    private int PartsPerType => Scheme == TagScheme.Bio ? 2 : 4;

    /// <summary>The gold tag of each word [W]; an entity covers the words that start inside its span.</summary>
    /// <param name="words">Character span [start, end) of each word, in order.</param>
    public int[] Encode(IReadOnlyList<(int Start, int End)> words, IReadOnlyList<EntitySpan> entities)
    {
        var tags = new int[words.Count];
        foreach (var entity in entities)
        {
            int type = IndexOfType(EntityExtractor.TypeKey(entity));
            if (type < 0)
                continue;
            int first = -1, last = -1;
            for (int w = 0; w < words.Count; w++)
            {
                if (words[w].Start >= entity.Start && words[w].Start < entity.End)
                {
                    if (first < 0) first = w;
                    last = w;
                }
            }
            if (first < 0)
                continue;   // the span fell inside one word piece's characters or was cut by truncation
            int b = 1 + PartsPerType * type;
            for (int w = first; w <= last; w++)
                tags[w] = b + 1;                                  // I
            tags[first] = b;                                      // B
            if (Scheme == TagScheme.Bilou)
            {
                if (first == last) tags[first] = b + 3;           // U
                else tags[last] = b + 2;                          // L
            }
        }
        return tags;
    }

    /// <summary>Word ranges [first, last] with their entity type index, read leniently (an I without its B opens an entity).</summary>
    public List<(int First, int Last, int Type)> Decode(ReadOnlySpan<int> tags)
    {
        if (Scheme == TagScheme.Bilou)
            return BilouTags.Decode(tags, EntityTypes.Count);
        Span<int> bilou = tags.Length <= 256 ? stackalloc int[tags.Length] : new int[tags.Length];
        for (int t = 0; t < tags.Length; t++)
        {
            int tag = tags[t];
            bilou[t] = tag <= 0 || tag >= Count ? BilouTags.Outside
                : (tag - 1) % 2 == 0 ? BilouTags.Begin((tag - 1) / 2) : BilouTags.Inside((tag - 1) / 2);
        }
        return BilouTags.Decode(bilou, EntityTypes.Count);
    }

    private int IndexOfType(string key)
    {
        for (int i = 0; i < EntityTypes.Count; i++)
        {
            if (EntityTypes[i] == key)
                return i;
        }
        return -1;
    }
}
