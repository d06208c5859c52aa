using JiebaNet.Segmenter;

namespace Kefu.Text;

/// <summary>
/// Chinese word segmentation by Jieba (jieba.NET, its dictionary and HMM for unknown words), as Rasa's JiebaTokenizer.
/// Kefu's tokens stay one per CJK character; the words are extra features (<see cref="Nlu.Features.SparseFeatureConfig.ChineseWords"/>).
/// Jieba's dictionary is process-wide: user words (a project's dictionary_path) are added to it once and stay.
/// Thread-safe; the dictionary loads on first use (a few seconds).
/// </summary>
public static class ChineseWords
{
    static readonly Lock gate = new();
    static readonly HashSet<string> userWords = [];
    static JiebaSegmenter? segmenter;

    static JiebaSegmenter Segmenter
    {
        get
        {
            if (segmenter is { } ready) return ready;
            lock (gate)
            {
                if (segmenter is null)
                {
                    ConfigManager.ConfigFileBaseDir = Path.Combine(AppContext.BaseDirectory, "jieba");
                    if (!File.Exists(Path.Combine(ConfigManager.ConfigFileBaseDir, "dict.txt")))
                        throw new FileNotFoundException($"Jieba's dictionary is missing from {ConfigManager.ConfigFileBaseDir} (it ships with Kefu's build output)");
                    segmenter = new JiebaSegmenter();
                }
                return segmenter;
            }
        }
    }

    /// <summary>Adds words to Jieba's dictionary (Rasa's jieba.load_userdict); words already added are skipped.</summary>
    public static void AddUserWords(IEnumerable<string> words)
    {
        var segmenterNow = Segmenter;
        lock (gate)
            foreach (var word in words)
                if (word.Length > 0 && userWords.Add(word)) segmenterNow.AddWord(word);
    }

    /// <summary>The [start, end) spans of the words of two or more characters that contain a CJK character.</summary>
    public static List<(int Start, int End)> Words(string text)
    {
        var spans = new List<(int, int)>();
        if (!ContainsCjk(text)) return spans;
        foreach (var token in Segmenter.Tokenize(text))
            if (token.EndIndex - token.StartIndex >= 2 && ContainsCjk(token.Word))
                spans.Add((token.StartIndex, token.EndIndex));
        return spans;
    }

    /// <summary>Every word of <paramref name="text"/> in order, spaces and punctuation included, as jieba.lcut (accurate mode, HMM on).</summary>
    public static List<string> Cut(string text) => [.. Segmenter.Cut(text, cutAll: false, hmm: true)];

    static bool ContainsCjk(string text)
    {
        foreach (char c in text)
            if (TextAnalyzer.IsCjk(c)) return true;
        return false;
    }

    /// <summary>
    /// The words of Rasa's user dictionaries: every file in <paramref name="path"/> (a folder) or the file itself, one word
    /// per line, optionally followed by a frequency and a part-of-speech tag (jieba's format).
    /// </summary>
    public static List<string> ReadUserDictionary(string path)
    {
        var files = Directory.Exists(path) ? Directory.GetFiles(path).Order(StringComparer.Ordinal).ToArray() : [path];
        var words = new List<string>();
        foreach (var file in files)
            foreach (var line in File.ReadLines(file))
                if (line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries) is [var word, ..]) words.Add(word);
        return words;
    }
}
