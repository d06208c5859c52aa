using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kefu.Projects.Yaml;

/// <summary>
/// YamlDotNet's parser with the costs of a file bounded before anything recursive sees it: YamlDotNet builds its
/// node tree recursively (30,000 nested '[' overflow the stack) and our readers expand aliases (a 678-byte
/// "billion laughs" file is 10^9 nodes). The events are counted as they stream by; past a limit a
/// <see cref="YamlLimitException"/> at the offending event stops the load.
/// </summary>
/// <remarks>
/// Aliases count as the nodes they stand for, and as deep as they reach: `*a` placed at depth d adds the size of
/// the node anchored `&amp;a` to the alias budget and needs d + its height within the depth limit. An alias inside
/// the node it names (`&amp;a [*a]`) would make a cycle and is refused.
/// </remarks>
internal sealed class LimitedParser(IParser inner, ProjectLimits limits) : IParser
{
    private sealed class Open(AnchorName anchor)
    {
        public AnchorName Anchor { get; } = anchor;
        public long Nodes = 1;  // this collection and everything under it, aliases expanded
        public int Height = 1;  // collections from this one down to its deepest leaf
    }

    private readonly Stack<Open> _open = new();
    private readonly Dictionary<AnchorName, (long Nodes, int Height)> _anchored = [];
    private long _aliasNodes;

    public ParsingEvent? Current => inner.Current;

    /// <summary>Where the last node (scalar, alias, list or mapping) began: the place to report an error YamlDotNet raises without a position.</summary>
    public Mark LastNodeStart { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        if (!inner.MoveNext()) return false;
        if (inner.Current is NodeEvent node) LastNodeStart = node.Start;
        switch (inner.Current)
        {
            case DocumentStart:
                _anchored.Clear(); // anchors are per document
                break;
            case MappingStart or SequenceStart:
                var start = (NodeEvent)inner.Current;
                if (_open.Count + 1 > limits.MaxYamlDepth)
                    throw new YamlLimitException(start.Start, start.End,
                        $"the YAML nests lists and mappings more than {limits.MaxYamlDepth} levels deep (KEFU_MAX_YAML_DEPTH)");
                _open.Push(new Open(start.Anchor));
                break;
            case MappingEnd or SequenceEnd:
                var closed = _open.Pop();
                if (!closed.Anchor.IsEmpty) _anchored[closed.Anchor] = (closed.Nodes, closed.Height);
                Add(closed.Nodes, closed.Height);
                break;
            case Scalar scalar:
                if (!scalar.Anchor.IsEmpty) _anchored[scalar.Anchor] = (1, 0);
                Add(1, 0);
                break;
            case AnchorAlias alias:
                CountAlias(alias);
                break;
        }
        return true;
    }

    private void CountAlias(AnchorAlias alias)
    {
        if (_open.Any(o => o.Anchor == alias.Value))
            throw new YamlLimitException(alias.Start, alias.End,
                $"the alias '*{Snippets.Quote(alias.Value.Value)}' is inside the node it refers to, which would repeat forever");
        if (!_anchored.TryGetValue(alias.Value, out var target)) return; // YamlDotNet reports the unknown anchor
        _aliasNodes += target.Nodes;
        if (_aliasNodes > limits.MaxAliasNodes)
            throw new YamlLimitException(alias.Start, alias.End,
                $"aliases (*name) expand this file past {limits.MaxAliasNodes} nodes (KEFU_MAX_ALIAS_NODES); a file that repeats itself this much is refused");
        if (_open.Count + target.Height > limits.MaxYamlDepth)
            throw new YamlLimitException(alias.Start, alias.End,
                $"the alias '*{Snippets.Quote(alias.Value.Value)}' nests lists and mappings more than {limits.MaxYamlDepth} levels deep (KEFU_MAX_YAML_DEPTH)");
        Add(target.Nodes, target.Height);
    }

    private void Add(long nodes, int height)
    {
        if (!_open.TryPeek(out var parent)) return;
        parent.Nodes += nodes;
        parent.Height = Math.Max(parent.Height, height + 1);
    }
}

/// <summary>A file beyond one of <see cref="ProjectLimits"/>; the message names the limit and its variable.</summary>
internal sealed class YamlLimitException(Mark start, Mark end, string message) : YamlException(start, end, message);
