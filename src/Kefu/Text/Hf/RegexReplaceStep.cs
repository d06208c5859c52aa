using System.Text.RegularExpressions;
using Kefu.Text.WordPiece;

namespace Kefu.Text.Hf;

/// <summary>
/// tokenizers' Replace normalizer with a Regex pattern (XLM-R's and T5's " {2,}" → " "): each non-empty match is
/// replaced; the replacement's units take the range of the match's last unit, as with the String pattern
/// (<see cref="ReplaceStep"/>).
/// </summary>
internal sealed class RegexReplaceStep(Regex regex, string content) : NormalizerStep
{
    public override void Apply(NormalizedText source, NormalizedText target)
    {
        int i = 0;
        foreach (var match in regex.EnumerateMatches(source.Chars))
        {
            if (match.Length == 0)
                continue;
            for (; i < match.Index; i++)
                target.Append(source[i], source.StartOf(i), source.EndOf(i));
            int last = match.Index + match.Length - 1;
            foreach (char c in content)
                target.Append(c, source.StartOf(last), source.EndOf(last));
            i = match.Index + match.Length;
        }
        for (; i < source.Length; i++)
            target.Append(source[i], source.StartOf(i), source.EndOf(i));
    }
}
