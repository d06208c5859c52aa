using System.Text;
using Kefu.Generation.CausalLm;

namespace Kefu.Generation.CrossWozNlg;

/// <summary>
/// A vocabulary for a generator trained from scratch: control tokens, whole symbols (dialogue-act intents,
/// "[placeholder]"s) and single characters, all built from the training data. Text encodes a character at a time except
/// where a "[placeholder]" symbol starts; unknown characters become &lt;unk&gt;.
/// </summary>
public sealed class SymbolCodec : ITokenCodec
{
    public const int Pad = 0, End = 1, Separator = 2, Unknown = 3;
    private static readonly string[] Control = ["<pad>", "<eos>", "<sep>", "<unk>"];

    private readonly List<string> tokens = [.. Control];
    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);

    public SymbolCodec(IEnumerable<string> symbols, IEnumerable<string> texts)
    {
        for (int i = 0; i < Control.Length; i++)
            ids[Control[i]] = i;
        foreach (string symbol in symbols.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            Add(symbol);
        foreach (string text in texts)
            foreach (string piece in Split(text))
                Add(piece);
    }

    public int Count => tokens.Count;

    /// <summary>The "[...]" symbols of the vocabulary.</summary>
    public IEnumerable<string> Placeholders() => tokens.Where(t => t.Length > 2 && t[0] == '[' && t[^1] == ']');

    public int IdOf(string symbol) => ids.TryGetValue(symbol, out int id) ? id : Unknown;

    private void Add(string token)
    {
        if (ids.ContainsKey(token))
            return;
        ids[token] = tokens.Count;
        tokens.Add(token);
    }

    // placeholders whole (those seen in delexicalised replies), every other character alone
    private IEnumerable<string> Split(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            if (text[i] == '[')
            {
                int close = text.IndexOf(']', i);
                if (close > i)
                {
                    string candidate = text[i..(close + 1)];
                    if (ids.ContainsKey(candidate) || !candidate[1..^1].Contains('['))
                    {
                        yield return candidate;
                        i = close + 1;
                        continue;
                    }
                }
            }
            int width = char.IsSurrogatePair(text, i) ? 2 : 1;
            yield return text.Substring(i, width);
            i += width;
        }
    }

    public int[] Encode(string text) => [.. Split(text).Select(IdOf)];

    public string Decode(IReadOnlyList<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if (id >= Control.Length && id < tokens.Count)
                text.Append(tokens[id]);
        }
        return text.ToString();
    }
}
